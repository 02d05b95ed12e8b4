import sys

from .intake import sandbox

if sandbox.reads_a_workbook(sys.argv[1:]):  # its reading process starts while the command loads itself
    sandbox.prestart()

from .cli import main  # noqa: E402

sys.exit(main())
