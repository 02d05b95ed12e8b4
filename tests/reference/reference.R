# Reference values for the survey estimates, computed with R's survey package (Lumley).
# Usage: Rscript tests/reference/reference.R enquete.csv > tests/reference/reference.json
# (run by `make reference`; the JSON beside this script is what the tests compare with).
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c(id_maison = "character", region = "character"))
des <- svydesign(ids = ~id_maison, weights = ~poids, data = d)
items <- c("motif_aide_dossier", "motif_renseignement", "simplifie_quotidien", "rare")
one <- function(design, item) {
  sub <- subset(design, !is.na(design$variables[[item]]))
  f <- as.formula(paste0("~", item))
  ci <- svyciprop(f, sub, method = "beta")
  m <- svymean(f, sub)
  p <- as.numeric(coef(m)); v <- as.numeric(vcov(m))
  n <- sum(weights(sub, "sampling") > 0)
  list(pct = 100 * as.numeric(ci), ic95 = 100 * as.numeric(attr(ci, "ci")), n = n,
       deff = if (p > 0 && p < 1) v / (p * (1 - p) / n) else NULL, grappes = degf(sub) + 1)
}
out <- list(ensemble = list(), regions = list())
for (item in items) out$ensemble[[item]] <- one(des, item)
for (r in sort(unique(d$region))) {
  dom <- subset(des, region == r)
  out$regions[[r]] <- setNames(lapply(items, function(i) one(dom, i)), items)
}
# Each région against the rest: the difference and its p-value (svyglm, t on degf - 1), Holm across régions.
out$ecarts <- list()
for (item in items) {
  sub <- subset(des, !is.na(des$variables[[item]]))
  res <- list()
  for (r in sort(unique(d$region))) {
    sub <- update(sub, dom = as.numeric(region == r))
    m <- svyglm(as.formula(paste0(item, " ~ dom")), design = sub)
    co <- summary(m)$coefficients
    res[[r]] <- list(ecart = 100 * co["dom", "Estimate"], p = co["dom", "Pr(>|t|)"])
  }
  out$ecarts[[item]] <- res
}
cat(jsonlite::toJSON(out, auto_unbox = TRUE, digits = 10, pretty = TRUE, null = "null"))
