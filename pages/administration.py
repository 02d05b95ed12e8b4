"""Administration : les rôles (qui lit, qui importe pour quelles régions, qui administre) et le journal d'audit."""

from msap_stats import ui, ui_admin

ui.page_header("Administration", "Qui peut lire, importer pour ses régions ou administrer ; ce qui a été fait, "
               "par qui et quand.", figures=False)
ui_admin.roles_block(ui.cursor())
ui_admin.audit_block(ui.cursor())
