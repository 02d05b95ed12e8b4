"""The En bref pack: PDF note, chart images, tables, LISEZMOI (built on ``charts``)."""
