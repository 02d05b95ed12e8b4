# Reference values for two survey waves, computed with R's survey package (Lumley).
# Usage: Rscript tests/reference/waves.R vagues.csv > tests/reference/waves.json (run by `make reference`).
# Both waves are one design, Maisons as clusters: a Maison surveyed in both waves is one cluster.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c(id_maison = "character", region = "character", vague = "character"))
d$apres <- as.numeric(d$vague == "2024")
des <- svydesign(ids = ~id_maison, weights = ~poids, data = d)
items <- c("motif_aide_dossier", "motif_renseignement", "simplifie_quotidien")
wave <- function(design, item, w) {
  sub <- subset(design, vague == w & !is.na(design$variables[[item]]))
  ci <- svyciprop(as.formula(paste0("~", item)), sub, method = "beta")
  list(pct = 100 * as.numeric(ci), ic95 = 100 * as.numeric(attr(ci, "ci")), n = sum(weights(sub, "sampling") > 0))
}
change <- function(design, item) {
  sub <- subset(design, !is.na(design$variables[[item]]))
  m <- svyglm(as.formula(paste0(item, " ~ apres")), design = sub)
  co <- summary(m)$coefficients
  se <- co["apres", "Std. Error"]; est <- co["apres", "Estimate"]; df <- m$df.residual
  list(ecart = 100 * est, ic95 = 100 * (est + c(-1, 1) * qt(0.975, df) * se), p = co["apres", "Pr(>|t|)"], ddl = df)
}
both <- function(design) {
  out <- list()
  for (item in items) {
    out[[item]] <- list(de = wave(design, item, "2016"), a = wave(design, item, "2024"), change = change(design, item))
  }
  out
}
big <- names(sort(table(d$region), decreasing = TRUE))[1]
out <- list(ensemble = both(des), region = big, domaine = both(subset(des, region == big)))
cat(jsonlite::toJSON(out, auto_unbox = TRUE, digits = 10, pretty = TRUE, null = "null"))
