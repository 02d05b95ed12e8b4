"""Évolution : les vagues d'enquête comparées, le réseau d'une version du registre à l'autre, l'activité sur un an."""

from msap_stats.charts import evolution
from msap_stats.ui import blocks

blocks.page_header("Évolution", "Qu'est-ce qui a changé d'une vague d'enquête, d'une liste des Maisons ou d'une "
                                "année à l'autre ?")
for kind in ("usagers", "agents", "habitants"):
    blocks.chart(evolution.waves_change, kind)
blocks.chart(evolution.network_change)
blocks.side_by_side((evolution.growth,), (evolution.density_change,))
blocks.chart(evolution.activity_year)
blocks.methodology()
