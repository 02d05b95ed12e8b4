# Reference values for a stratified survey with a finite-population correction (R's survey package, Lumley).
# Usage: Rscript tests/reference/strata.R strates.csv > tests/reference/strata.json (run by `make reference`).
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c(id_maison = "character", region = "character", strate = "character"))
des <- svydesign(ids = ~id_maison, strata = ~strate, fpc = ~fpc, weights = ~poids, data = d)
plain <- svydesign(ids = ~id_maison, weights = ~poids, data = d)
fpc_only <- svydesign(ids = ~id_maison, fpc = ~fpc_total, weights = ~poids, data = d)
items <- c("motif_aide_dossier", "motif_renseignement", "simplifie_quotidien")
one <- function(design, item) {
  sub <- subset(design, !is.na(design$variables[[item]]))
  ci <- svyciprop(as.formula(paste0("~", item)), sub, method = "beta")
  m <- svymean(as.formula(paste0("~", item)), sub)
  list(pct = 100 * as.numeric(ci), ic95 = 100 * as.numeric(attr(ci, "ci")), se = 100 * as.numeric(SE(m)),
       n = sum(weights(sub, "sampling") > 0), ddl = degf(sub))
}
out <- list(strates = list(), sans_strates = list(), fpc_seule = list(), region = "84", domaine = list())
for (item in items) {
  out$strates[[item]] <- one(des, item)
  out$sans_strates[[item]] <- one(plain, item)
  out$fpc_seule[[item]] <- one(fpc_only, item)
  out$domaine[[item]] <- one(subset(des, region == "84"), item)
}
cat(jsonlite::toJSON(out, auto_unbox = TRUE, digits = 10, pretty = TRUE, null = "null"))
