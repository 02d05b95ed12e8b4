"""Exporter : le dossier « En bref » du périmètre choisi (PDF, images, tableaux)."""

from msap_stats.ui import blocks, export

blocks.page_header("Exporter", "Un dossier « En bref » prêt à imprimer : la note en PDF, chaque graphique en "
                   "image, les tableaux derrière les graphiques.")
composed = export.compose()
export.prepare(composed)
built = export.current_pack(composed)
if built:
    export.offer(built)
