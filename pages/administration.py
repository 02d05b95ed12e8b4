"""Administration : les rôles (qui lit, qui importe pour quelles régions, qui administre) et le journal d'audit."""

from msap_stats.ui import admin, blocks, connection

blocks.page_header("Administration", "Qui peut lire, importer pour ses régions ou administrer ; ce qui a été fait, "
                   "par qui et quand.", figures=False)
admin.roles_block(connection.cursor())
admin.audit_block(connection.cursor())
