# Reference values for a survey calibrated on known margins (R's survey package, Lumley): raking on sex and age,
# the same bounded (factors within [1/2.8, 2.8]), the post-stratification on sex; figures on the whole survey and on women (a domain).
# And two waves in the same Maisons, each calibrated on the margins (one calibration of the pooled answers with
# every column crossed with the wave), their change tested as svyglm(y ~ vague), their pooled figures.
# Usage: Rscript tests/reference/calib.R reponses.csv marges.csv vagues.csv > tests/reference/calib.json.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c(id_maison = "character", sexe = "character", tranche_age = "character"))
marges <- read.csv(args[2], sep = ";", colClasses = c(variable = "character", modalite = "character"))
d$poids <- 1
d$age <- ifelse(is.na(d$tranche_age), "zz_nr", d$tranche_age)  # those who did not say keep their share
des <- svydesign(ids = ~id_maison, weights = ~poids, data = d)
N <- sum(d$poids)
nr <- sum(d$poids[d$age == "zz_nr"])
part <- function(variable, modalite) marges$part[marges$variable == variable & marges$modalite == modalite] / 100
totals <- function(formula) {
  cols <- colnames(model.matrix(formula, d))
  sapply(cols, function(cn) {
    if (cn == "(Intercept)") return(N)
    if (startsWith(cn, "sexe")) return(N * part("sexe", sub("^sexe", "", cn)))
    m <- sub("^age", "", cn)
    if (m == "zz_nr") nr else (N - nr) * part("tranche_age", m)
  })
}
items <- c("tres_satisfait", "motif_aide_dossier", "simplifie_quotidien")
one <- function(design, item) {
  sub <- subset(design, !is.na(design$variables[[item]]))
  ci <- svyciprop(as.formula(paste0("~", item)), sub, method = "beta", na.rm = TRUE)
  m <- svymean(as.formula(paste0("~", item)), sub, na.rm = TRUE)
  list(pct = 100 * as.numeric(ci), ic95 = 100 * as.numeric(attr(ci, "ci")), se = 100 * as.numeric(SE(m)),
       n = sum(weights(sub, "sampling") > 0), ddl = degf(sub))
}
spread <- function(design) {
  w <- weights(design)
  list(min = min(w), max = max(w), rapport = max(w) / min(w), n_eff = sum(w)^2 / sum(w^2))
}
figures <- function(design) {
  out <- list(ensemble = list(), femmes = list(), poids = spread(design))
  for (item in items) {
    out$ensemble[[item]] <- one(design, item)
    out$femmes[[item]] <- one(subset(design, sexe == "femme"), item)
  }
  out
}
w <- read.csv(args[3], colClasses = c(id_maison = "character", sexe = "character", tranche_age = "character",
                                      vague = "character"))
w$poids <- 1
w$age <- ifelse(is.na(w$tranche_age), "zz_nr", w$tranche_age)
pooled <- svydesign(ids = ~id_maison, weights = ~poids, data = w)
f <- ~vague / (sexe + age)
cols <- colnames(model.matrix(f, w))
wave_total <- function(v) sum(w$poids[w$vague == v])
wave_nr <- function(v) sum(w$poids[w$vague == v & w$age == "zz_nr"])
pop <- sapply(cols, function(cn) {
  if (cn == "(Intercept)") return(sum(w$poids))
  parts <- strsplit(cn, ":")[[1]]
  v <- sub("^vague", "", parts[1])
  if (length(parts) == 1) return(wave_total(v))
  if (startsWith(parts[2], "sexe")) return(wave_total(v) * part("sexe", sub("^sexe", "", parts[2])))
  m <- sub("^age", "", parts[2])
  if (m == "zz_nr") wave_nr(v) else (wave_total(v) - wave_nr(v)) * part("tranche_age", m)
})
cal_waves <- calibrate(pooled, f, population = pop, calfun = "raking")
change <- function(design, item) {
  sub <- subset(design, !is.na(design$variables[[item]]))
  fit <- svyglm(as.formula(paste0(item, " ~ vague")), design = sub)
  co <- summary(fit)$coefficients
  list(ecart = 100 * co["vague2024", 1], se = 100 * co["vague2024", 2], p = co["vague2024", 4],
       ddl = fit$df.residual)
}
vagues <- list(redressees = list(), brutes = list())
for (item in items) {
  vagues$redressees[[item]] <- change(cal_waves, item)
  vagues$brutes[[item]] <- change(pooled, item)
}

out <- list(
  vagues = vagues,
  regroupees = figures(cal_waves),
  brut = figures(des),
  ratissage = figures(calibrate(des, ~sexe + age, population = totals(~sexe + age), calfun = "raking")),
  borne = figures(calibrate(des, ~sexe + age, population = totals(~sexe + age), calfun = "raking",
                            bounds = c(1 / 2.8, 2.8))),
  post_strate = figures(calibrate(des, ~sexe, population = totals(~sexe), calfun = "raking"))
)
cat(jsonlite::toJSON(out, auto_unbox = TRUE, digits = 10, pretty = TRUE, null = "null"))
