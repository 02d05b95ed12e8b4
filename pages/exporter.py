"""Exporter : le dossier « En bref » du périmètre choisi (PDF, images, tableaux)."""

from msap_stats import ui, ui_export

ui.page_header("Exporter", "Un dossier « En bref » prêt à imprimer : la note en PDF, chaque graphique en image, "
               "les tableaux derrière les graphiques.")
ui_export.prepare()
built = ui_export.current_pack()
if built:
    ui_export.offer(built)
