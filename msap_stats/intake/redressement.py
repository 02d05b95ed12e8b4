"""Calibrating (redresser) a survey's wave on known margins, in the store.

Margins come from a small file (``variable;modalite;part``, parts in % per variable), typed on the page, or from
what the store knows: the activity's users by sex and age for the surveyed Maisons over the wave's months, the
network's Maisons by format or territory. The raking itself is ``survey.calibration``'s; here, the margins are read
and matched to the wave's answers (a modality written as in the survey file, as the schema's label or its code),
the calibrated weights are written beside the file's (``poids_redresses``; the file's weights are kept), and each
change is a row of ``redressements`` — in force, replaced, removed, or lapsed when an import changed the wave and
the margins could no longer be reached. A removed or replaced calibration can be restored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from ..access import roles
from ..access.users import User, local_user
from ..errors import ImportRefused, Problem
from ..fmt import nombre, printable
from ..reference import departements
from ..schema import KINDS, Code, normalize_key
from ..store import StoreError, q, summary_level, transaction
from ..survey import calibration as cal
from ..survey.calibration import IN_FORCE
from . import journal
from .guard import UserFile
from .reader import read_book

REPLACED, REMOVED, LAPSED = "remplacé", "retiré", "caduc"
MISSING_NAMED = 8  # modalities named when some have no part (the others counted)
MAX_BORNE = 1000.0  # a bound beyond it bounds nothing
PART_TOLERANCE = 1.0  # points: parts summing to 99–101 % are a rounding, rescaled to 100
PROFILE = ("sexe", "tranche_age", "situation", "statut")  # the survey columns a calibration may use


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    sql: str  # over the answer ``t``, its Maison ``m`` (sites) and its département ``d`` (ref_departements)
    codes: tuple[Code, ...]  # the written forms a modality may take


def variables(kind: str) -> dict[str, Variable]:
    """What a calibration of ``kind`` may use: the survey's profile columns, the Maison's format and territory."""
    k = KINDS[kind]
    out = {c.name: Variable(c.name, c.label, f"t.{q(c.name)}", c.codes) for c in k.columns if c.name in PROFILE}
    deps = departements()
    regions = tuple(Code(code, name) for code, name in deps[["code_region", "region"]].drop_duplicates().itertuples(index=False))
    out["code_region"] = Variable("code_region", "Région", "d.code_region", regions)
    out["code_departement"] = Variable("code_departement", "Département", "d.code_departement",
                                       tuple(Code(c, n) for c, n in deps[["code_departement", "departement"]].itertuples(index=False)))
    if kind != "habitants":
        out["format"] = Variable("format", "Format de la Maison", "m.format", KINDS["maisons"].column("format").codes)
    return out


def _source_sql(kind: str) -> str:
    """The wave's answers with what places them (their Maison, their département)."""
    if kind == "habitants":
        return f"{kind}_actifs t LEFT JOIN ref_departements d ON d.code_departement = t.code_departement"
    return (f"{kind}_actifs t LEFT JOIN sites m ON m.id_maison = t.id_maison "
            "LEFT JOIN ref_departements d ON d.code_departement = m.code_departement")


@dataclass
class Margins:
    """Parts in % per variable and modality, as written; where they come from."""

    parts: dict[str, dict[str, float]]
    source: str
    lines: dict[tuple[str, str], int] = field(default_factory=dict)  # (variable, modality) -> its line in the file
    fichier: str | None = None  # the file they were read from (None: typed, or from the store)


def _refuse(reason: str, fichier: str | None = None, **where) -> ImportRefused:
    return ImportRefused([Problem(reason, **where)], fichier=fichier)


def _part(text: object) -> float | None:
    t = str(text or "").replace("\u00a0", "").replace(" ", "").replace("%", "").replace(",", ".")
    try:
        value = float(t)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def read_margins(data: bytes | UserFile, fichier: str) -> Margins:
    """A margins file: one row per modality under a header ``variable ; modalite ; part`` (CSV or workbook)."""
    wanted = {"variable": "variable", "modalite": "modalite", "part": "part", "modalité": "modalite",
              "part (%)": "part", "pourcentage": "part", "%": "part"}
    found = None
    for sheet in read_book(data, fichier).sheets:  # the first sheet that holds the header
        heads = [[wanted.get(normalize_key(c)) or wanted.get(str(c or "").strip().lower()) for c in row]
                 for row in sheet.head]
        index = next((i for i, names in enumerate(heads) if {"variable", "modalite", "part"} <= set(names)), None)
        if index is not None:
            found = sheet, index, heads[index]
            break
    if found is None:
        raise _refuse("l'en-tête « variable ; modalite ; part » est introuvable.", fichier)
    sheet, index, names = found
    body, first = sheet.body(index)
    columns = {n: body.column(i).to_pylist() for i, n in enumerate(names) if n}
    parts: dict[str, dict[str, float]] = {}
    lines: dict[tuple[str, str], int] = {}
    problems = []
    for offset, (variable, modality, part) in enumerate(zip(columns["variable"], columns["modalite"], columns["part"])):
        line = first + offset
        if not (variable or modality or part):
            continue
        value = _part(part)
        if not variable or not modality:
            problems.append(Problem("une ligne sans variable ou sans modalité", ligne=line))
        elif part is None or not str(part).strip():
            problems.append(Problem("part manquante (une case vide, ou une formule que le tableur n'a pas "
                                    "calculée)", ligne=line, colonne="part"))
        elif value is not None and value > 100:
            problems.append(Problem("part au-delà de 100 %", ligne=line, colonne="part", valeur=printable(str(part))))
        elif value is not None and value < 0:
            problems.append(Problem("part négative", ligne=line, colonne="part", valeur=printable(str(part))))
        elif value is None:
            problems.append(Problem("part illisible (un pourcentage est attendu)", ligne=line, colonne="part",
                                    valeur=printable(str(part))))
        elif str(modality).strip() in parts.setdefault(str(variable).strip(), {}):
            problems.append(Problem("modalité donnée deux fois", ligne=line, colonne="modalite",
                                    valeur=printable(str(modality))))
        else:
            parts[str(variable).strip()][str(modality).strip()] = value
            lines[(str(variable).strip(), str(modality).strip())] = line
    if problems:
        raise ImportRefused(problems, fichier=fichier)
    if not parts:
        raise _refuse("aucune marge dans le fichier.", fichier)
    return Margins(parts, f"fichier « {printable(fichier)} »", lines, fichier)


@dataclass
class Resolved:
    """Margins matched to the wave: per variable, each modality's value in the data and its share (sum 1)."""

    variables: list[Variable]
    parts: dict[str, dict[str, float]]
    notes: list[str] = field(default_factory=list)  # what was done to the margins as given (a rounding rescaled)


def _match_variable(written: str, known: dict[str, Variable]) -> Variable | None:
    key = normalize_key(written)
    for v in known.values():
        if key in {normalize_key(v.name), normalize_key(v.label)} or (v.name == "tranche_age" and key in ("age",)):
            return v
    return None


def _match_modality(written: str, v: Variable, present: set[str]) -> str | None:
    key = normalize_key(written)
    for k in (key, key[:-1] if key.endswith("s") else None):  # « Femmes », « Hommes »: the plural of a modality
        if not k:
            continue
        for value in present:  # as the survey file writes it (or as stored)
            if normalize_key(value) == k:
                return value
        for code in v.codes:  # the schema's code, label or spellings
            if k in code.keys() or k == normalize_key(code.code):
                return code.code
    return None


EXTREME_RATIO, EXTREME_LOSS = 20.0, 0.5  # weights spread and effective-size loss worth a warning


def _warnings(report: dict) -> list[str]:
    """What a careful reader of the report should be told: weights spread wide, half the effective size lost."""
    w, out = report["poids"], []
    if w.get("rapport") and w["rapport"] > EXTREME_RATIO:
        out.append(f"poids très dispersés (rapport max/min {nombre(w['rapport'], 1)}) : quelques réponses pèsent "
                   "beaucoup ; une borne (--borne) ou des modalités regroupées les modèrent")
    if w["n_eff_apres"] < EXTREME_LOSS * w["n_eff_avant"]:
        out.append(f"la taille effective passe de {nombre(w['n_eff_avant'])} à {nombre(w['n_eff_apres'])} : les "
                   "marges sont loin des réponses, les intervalles s'élargissent d'autant")
    return out


def _cells(con, kind: str, vague: str, chosen: list[Variable]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray,
                                                                         np.ndarray, np.ndarray]:
    """The wave's cells: key, Σw, Σw², min w, max w, answers (base weights)."""
    cell = cal.cell_sql({v.name: v.sql for v in chosen})
    rows = con.execute(f"SELECT {cell} AS c, sum(t.poids_base), sum(t.poids_base * t.poids_base), min(t.poids_base), "
                       f"max(t.poids_base), count(*) FROM {_source_sql(kind)} WHERE t.vague = ? GROUP BY 1 ORDER BY 1",
                       [vague]).fetchall()
    keys = [r[0] for r in rows]
    return keys, *(np.array([r[i] for r in rows], float) for i in range(1, 6))


def resolve(con, kind: str, vague: str, margins: Margins) -> Resolved:
    """Match the margins to the wave's answers; refuse, whole and in French, what cannot be reached."""
    known = variables(kind)
    problems, chosen, parts, notes = [], [], {}, []
    grouped: dict[str, tuple[Variable, dict[str, tuple[float, int | None]]]] = {}  # one variable however written
    for written, given in margins.parts.items():
        v = _match_variable(written, known)
        if v is None:
            problems.append(Problem(f"variable inconnue : « {printable(written)} » (possibles : "
                                    f"{', '.join(x.name for x in known.values())})"))
            continue
        entry = grouped.setdefault(v.name, (v, {}))[1]
        for modality, part in given.items():
            entry[modality] = (part, margins.lines.get((written, modality)))
    for v, given in grouped.values():
        before = len(problems)
        present = {r[0] for r in con.execute(f"SELECT DISTINCT ({v.sql})::VARCHAR FROM {_source_sql(kind)} "
                                             "WHERE t.vague = ?", [vague]).fetchall() if r[0] is not None}
        matched: dict[str, float] = {}
        written_as: dict[str, str] = {}
        for modality, (part, line) in given.items():
            value = _match_modality(modality, v, present)
            if value is None:
                problems.append(Problem(f"modalité inconnue pour « {v.label} »", ligne=line, colonne="modalite",
                                        valeur=printable(modality)))
            elif value in written_as:
                problems.append(Problem(f"« {printable(written_as[value])} » et « {printable(modality)} » sont la même "
                                        f"modalité de « {v.label} » : donnez-la une seule fois", ligne=line,
                                        colonne="modalite", valeur=printable(modality)))
            elif part > 0 and value not in present:
                problems.append(Problem(f"aucune réponse de la vague pour « {v.label} » = « {printable(modality)} » : "
                                        "cette marge ne peut pas être atteinte", ligne=line, valeur=printable(modality)))
            elif part == 0 and value in present:
                problems.append(Problem(f"part nulle pour « {v.label} » = « {printable(modality)} », que des réponses "
                                        "de la vague donnent : un redressement ne peut pas annuler leur poids "
                                        "(regroupez cette modalité avec une autre)", ligne=line,
                                        valeur=printable(modality)))
            else:
                written_as[value] = modality
                if part > 0:
                    matched[value] = part
        clean = len(problems) == before  # a variable's sum and completeness, once its lines are all read
        labels = {c.code: c.label for c in v.codes}
        missing = sorted(present - set(matched)) if clean else []
        if missing:
            named = ", ".join(f"« {printable(labels.get(m, m))} »" for m in missing[:MISSING_NAMED])
            more = len(missing) - MISSING_NAMED
            written = f"{named} et {nombre(more)} autres modalités" if more > 0 else named
            whole = (" ; un redressement porte sur toute la vague : donnez une part à chacune (la vague compte "
                     f"{nombre(len(present))} modalités de « {v.label} »)") if more > 0 else ""
            problems.append(Problem(f"« {v.label} » : les réponses comptent aussi {written}, sans part dans les "
                                    f"marges{whole}"))
        total = sum(matched.values())
        scale = 100.0 if abs(total - 100) <= PART_TOLERANCE else 1.0 if abs(total - 1) <= PART_TOLERANCE / 100 else None
        if clean and matched and scale is None:
            problems.append(Problem(f"les parts de « {v.label} » font {nombre(total, 1)} % et non 100 %"))
        elif clean and matched and total != scale:
            notes.append(f"les parts de « {v.label} » faisaient {nombre(total * 100 / scale, 2)} % : elles ont été "
                         "ramenées à 100 % (arrondi)")
        chosen.append(v)
        parts[v.name] = {m: p / total for m, p in matched.items()} if total else {}
    if problems:
        raise ImportRefused(problems)
    return Resolved(chosen, parts, notes)


def waves(con, kind: str) -> list[str]:
    """The survey's waves, latest first (none: nothing to calibrate)."""
    return [r[0] for r in con.execute(f"SELECT vague FROM {kind}_actifs GROUP BY 1 ORDER BY max(date_reponse) DESC, "
                                      "vague DESC").fetchall()]


def _wave(con, kind: str, vague: str | None) -> str:
    waves_ = waves(con, kind)
    if not waves_:
        raise StoreError(f"Aucune réponse « {KINDS[kind].label} » à redresser : importez d'abord l'enquête.")
    if vague is None or not vague.strip():
        return waves_[0]
    vague = vague.strip()
    if vague not in waves_:
        raise StoreError(f"Aucune vague « {printable(vague)} » dans l'enquête ({', '.join(waves_)}).")
    return vague


def _compute(con, kind: str, vague: str, resolved: Resolved, borne: float | None) -> tuple[dict, dict, dict]:
    """The raking of the wave: (model, report, factor per cell). Refuses when the margins cannot be reached."""
    chosen = resolved.variables
    keys, sw, sw2, wmin, wmax, count = _cells(con, kind, vague, chosen)
    cells = [cal.parse_cell(k) for k in keys]
    modalities = []
    for v in chosen:
        order = list(resolved.parts[v.name])
        if any(c[v.name] == cal.NON_RENSEIGNE for c in cells):
            order.append(cal.NON_RENSEIGNE)
        modalities.append(tuple(order))
    model = cal.Model(tuple(v.name for v in chosen), tuple(modalities))
    sample = {v.name: {} for v in chosen}
    for c, w in zip(cells, sw):
        for v in chosen:
            sample[v.name][c[v.name]] = sample[v.name].get(c[v.name], 0.0) + w
    total = float(sw.sum())
    population = cal.totals(model, resolved.parts, sample, total)
    bounds = (1 / borne, borne) if borne else (-np.inf, np.inf)
    x = model.rows(keys)
    result = cal.rake(x, sw, population, bounds)
    if not result.converged:
        why = f" avec la borne {nombre(borne, 2)}" if borne else ""
        raise StoreError(f"Les marges ne peuvent pas être atteintes{why} : après {result.iterations} itérations, "
                         f"l'écart restant est de {nombre(100 * result.misfit, 2)} % d'une marge. Relâchez la borne, "
                         "regroupez des modalités rares ou vérifiez les parts.")
    g = result.g
    after = sw * g
    report_vars = []
    for v, mods in zip(chosen, modalities):
        rows = []
        known_share = total - sample[v.name].get(cal.NON_RENSEIGNE, 0.0)
        for m in mods:
            w_before = sample[v.name].get(m, 0.0)
            w_after = float(sum(a for c, a in zip(cells, after) if c[v.name] == m))
            label = next((c.label for c in v.codes if c.code == m), "non renseigné" if m == cal.NON_RENSEIGNE else m)
            rows.append({"modalite": m, "libelle": label,
                         "cible": None if m == cal.NON_RENSEIGNE else round(100 * resolved.parts[v.name][m], 2),
                         "avant": round(100 * w_before / (known_share if m != cal.NON_RENSEIGNE else total), 2),
                         "apres": round(100 * w_after / (known_share if m != cal.NON_RENSEIGNE else total), 2)})
        report_vars.append({"variable": v.name, "libelle": v.label, "modalites": rows})
    weights = {"min": float((wmin * g).min()), "max": float((wmax * g).max()),
               "n_eff_avant": float(sw.sum() ** 2 / sw2.sum()), "n_eff_apres": float(after.sum() ** 2 / (sw2 * g * g).sum()),
               "g_min": float(g.min()), "g_max": float(g.max()), "reponses": int(count.sum()), "total": total}
    weights["rapport"] = weights["max"] / weights["min"] if weights["min"] > 0 else None
    report = {"variables": report_vars, "iterations": result.iterations, "borne": borne, "poids": weights,
              "methode": "post-stratification" if len(chosen) == 1 else "calage sur marges (raking)"}
    model_json = {"variables": list(model.variables), "modalites": [list(m) for m in model.modalities],
                  "libelles": [v.label.lower() if v.name != "code_region" else "région" for v in chosen],
                  "parts": resolved.parts, "borne": borne}
    return model_json, report, dict(zip(keys, g))


def _write(con, kind: str, vague: str, ident: int, chosen: list[Variable], factors: dict) -> None:
    k = KINDS[kind]
    con.execute("DELETE FROM poids_redresses WHERE kind = ? AND vague = ?", [kind, vague])
    con.execute("CREATE OR REPLACE TEMP TABLE _facteurs (cellule VARCHAR, g DOUBLE)")
    con.executemany("INSERT INTO _facteurs VALUES (?, ?)", [[c, float(g)] for c, g in factors.items()])
    cell = cal.cell_sql({v.name: v.sql for v in chosen})
    con.execute(f"INSERT INTO poids_redresses SELECT ?, ?, t.import_id, t.vague, t.id_reponse, t.{q(k.cluster)}, "
                f"t.poids_base * f.g, f.cellule FROM (SELECT t.*, {cell} AS _c FROM {_source_sql(kind)} "
                "WHERE t.vague = ?) t JOIN _facteurs f ON f.cellule = t._c", [ident, kind, vague])
    con.execute("DROP TABLE _facteurs")


def _end(con, kind: str, vague: str, status: str, auteur: str) -> None:
    con.execute("UPDATE redressements SET statut = ?, date_fin = now()::TIMESTAMP, fin_par = ? "
                "WHERE kind = ? AND vague = ? AND statut = ?", [status, auteur, kind, vague, IN_FORCE])


def _apply(con, kind: str, vague: str, margins: Margins, borne: float | None, auteur: str, status: str) -> dict:
    try:
        resolved = resolve(con, kind, vague, margins)
    except ImportRefused as exc:
        if margins.fichier:
            exc.fichier = margins.fichier
            raise
        raise StoreError("\n".join([f"Les marges ({printable(margins.source)}) ne peuvent pas servir ; rien n'a été "
                                    "enregistré."] + [f"- {p.text()}" for p in exc.problems])) from None
    model, report, factors = _compute(con, kind, vague, resolved, borne)
    report["remarques"] = resolved.notes + _warnings(report)
    model["source"] = margins.source
    ident = con.execute("SELECT coalesce(max(id_redressement), 0) + 1 FROM redressements").fetchall()[0][0]
    _end(con, kind, vague, status, auteur)
    con.execute("INSERT INTO redressements VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, NULL, NULL)",
                [ident, kind, vague, json.dumps(model, ensure_ascii=False), json.dumps(report, ensure_ascii=False),
                 auteur, IN_FORCE])
    _write(con, kind, vague, ident, resolved.variables, factors)
    return {"id": ident, "kind": kind, "vague": vague, "source": margins.source, **report}


def redresser(con, kind: str, margins: Margins, vague: str | None = None, borne: float | None = None,
              auteur: str | None = None, user: User | None = None) -> dict:
    """Calibrate a wave (the latest by default) on ``margins``; replaces the wave's calibration in force. The
    report: what was matched (target, before, after per modality), iterations, the weights' spread."""
    if borne is not None and not (1 < borne <= MAX_BORNE):
        raise StoreError("La borne est le rapport maximal entre poids redressé et poids initial : un nombre > 1 "
                         f"(par exemple 3 : chaque poids reste entre le tiers et le triple du sien), au plus "
                         f"{nombre(MAX_BORNE)} ; sans borne, omettez-la.")
    actor = user or local_user()
    vague = _wave(con, kind, vague)
    roles.check_calibration(con, actor, kind, vague)
    try:
        with transaction(con):
            return _apply(con, kind, vague, margins, borne, auteur or actor.email, REPLACED)
    except ImportRefused as exc:  # margins of a file that do not fit the wave: journaled as any refused file
        journal.record_refusal(con, exc, f"marges {kind}", auteur or actor.email)
        raise


def retirer(con, kind: str, vague: str | None = None, auteur: str | None = None, user: User | None = None) -> str:
    actor = user or local_user()
    vague = _wave(con, kind, vague)
    roles.check_calibration(con, actor, kind, vague)
    found = con.execute("SELECT id_redressement FROM redressements WHERE kind = ? AND vague = ? AND statut = ?",
                        [kind, vague, IN_FORCE]).fetchall()
    if not found:
        raise StoreError(f"La vague « {vague} » de l'{KINDS[kind].label.lower()} n'est pas redressée.")
    with transaction(con):
        _end(con, kind, vague, REMOVED, auteur or actor.email)
        con.execute("DELETE FROM poids_redresses WHERE kind = ? AND vague = ?", [kind, vague])
    return (f"Redressement n°{found[0][0]} retiré : la vague « {vague} » repose de nouveau sur les poids du fichier "
            f"(rétablir : redresser --retablir {found[0][0]}).")


def retablir(con, ident: int, auteur: str | None = None, user: User | None = None, kind: str | None = None) -> dict:
    """Restore an earlier calibration: its margins applied again to the wave as it is now (a new calibration).
    ``kind``, when given, is the survey the caller means: another survey's calibration is refused."""
    rows = con.execute("SELECT kind, vague, modele, statut FROM redressements WHERE id_redressement = ?",
                       [ident]).fetchall()
    if not rows:
        raise StoreError(f"Aucun redressement n°{ident}.")
    found, vague, model, statut = rows[0]
    if kind and found != kind:
        raise StoreError(f"Le redressement n°{ident} est celui de l'{KINDS[found].label.lower()}, pas de "
                         f"l'{KINDS[kind].label.lower()}.")
    if statut == IN_FORCE:
        raise StoreError(f"Le redressement n°{ident} est déjà en vigueur.")
    current = con.execute("SELECT id_redressement, modele FROM redressements WHERE kind = ? AND vague = ? "
                          "AND statut = ?", [found, vague, IN_FORCE]).fetchall()
    if current and _same(json.loads(current[0][1]), json.loads(model)):
        raise StoreError(f"Les marges du redressement n°{ident} sont déjà en vigueur sous le n°{current[0][0]}.")
    actor = user or local_user()
    roles.check_calibration(con, actor, found, vague)
    with transaction(con):
        report = _apply(con, found, vague, _stored_margins(model, ident), json.loads(model).get("borne"),
                        auteur or actor.email, REPLACED)
    return {**report, "retablit": ident}


def _same(a: dict, b: dict) -> bool:
    """Two calibrations on the same margins (to a rounding) and bound."""
    def key(m: dict) -> tuple:
        parts = {v: {mod: round(p, 9) for mod, p in given.items()} for v, given in m["parts"].items()}
        return parts, m.get("borne"), m["variables"]
    return key(a) == key(b)


def _stored_margins(model: str, ident: int) -> Margins:
    m = json.loads(model)
    return Margins({v: {mod: 100 * p for mod, p in parts.items()} for v, parts in m["parts"].items()},
                   m.get("source") or f"redressement n°{ident}")


REGISTRY_VARIABLES = ("format", "code_region", "code_departement")  # what a list of Maisons can change


def refresh(con, kind: str, auteur: str, registry: bool = False) -> list[str]:
    """After an import or a rollback of ``kind`` (inside its transaction): each calibration in force is made again
    on the wave as it now is; one whose margins can no longer be reached lapses, and is said. ``registry``: after
    a list of Maisons, those calibrated on the Maisons' format or territory are made again."""
    said = []
    for ident, vague, model in con.execute("SELECT id_redressement, vague, modele FROM redressements WHERE kind = ? "
                                           "AND statut = ?", [kind, IN_FORCE]).fetchall():
        now, calibrated = con.execute(f"SELECT count(*), count(_cellule) FROM {kind}_actifs WHERE vague = ?",
                                      [vague]).fetchall()[0]
        stored = con.execute("SELECT count(*) FROM poids_redresses WHERE id_redressement = ?", [ident]).fetchall()[0][0]
        placed = set(json.loads(model)["variables"]) & set(REGISTRY_VARIABLES)
        if now and now == calibrated == stored and not (registry and placed):
            continue  # the wave's answers are those it was calibrated on
        try:
            if not now:
                raise StoreError("la vague n'a plus de réponse")
            _apply(con, kind, vague, _stored_margins(model, ident), json.loads(model).get("borne"), auteur, REPLACED)
        except (StoreError, ImportRefused) as exc:
            _end(con, kind, vague, LAPSED, auteur)
            con.execute("DELETE FROM poids_redresses WHERE kind = ? AND vague = ?", [kind, vague])
            why = exc.problems[0].raison if isinstance(exc, ImportRefused) else str(exc)
            said.append(f"le redressement de la vague « {vague} » ne peut plus être fait ({why}) : ses réponses "
                        "reposent désormais sur les poids du fichier.")
    return said


def history(con, kind: str | None = None) -> list[dict]:
    """Every calibration, latest first: id, kind, vague, statut, auteur, dates, what it matched, its report."""
    cond, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
    rows = con.execute(f"SELECT id_redressement, kind, vague, statut, auteur, date_redressement, date_fin, fin_par, "
                       f"modele, rapport FROM redressements {cond} ORDER BY id_redressement DESC", params).fetchall()
    return [{"id": r[0], "kind": r[1], "vague": r[2], "statut": r[3], "auteur": r[4], "date": r[5], "date_fin": r[6],
             "fin_par": r[7], "modele": json.loads(r[8]), "rapport": json.loads(r[9])} for r in rows]


def margins_from_store(con, kind: str, source: str, names: tuple[str, ...], vague: str | None = None) -> Margins:
    """Margins from what the store knows: ``activite`` — the requests of the wave's Maisons over the wave's months by
    sex and age (the users' profile); ``registre`` — the Maisons in force by format, région or département, in
    the départements the wave covers."""
    if source == "activite" and kind != "usagers":
        raise StoreError(f"L'activité décrit les usagers des Maisons, pas les {kind} : "
                         f"elle ne donne pas les marges de l'{KINDS[kind].label.lower()}.")
    vague = _wave(con, kind, vague)
    parts: dict[str, dict[str, float]] = {}
    if source == "activite":
        first, last = con.execute(f"SELECT min(date_reponse), max(date_reponse) FROM {kind}_actifs WHERE vague = ?",
                                  [vague]).fetchall()[0]
        for name in names:
            if name not in ("sexe", "tranche_age"):
                raise StoreError(f"L'activité ne donne que le sexe et la tranche d'âge des usagers, pas « {name} ».")
            rows = con.execute(f"SELECT a.{q(name)}, sum(a.nb) FROM activite_resume a WHERE a.niveau = "
                               f"{summary_level((name,))} AND a.{q(name)} IS NOT NULL "
                               "AND a.mois BETWEEN date_trunc('month', ?::DATE) AND ? AND a.id_maison IN "
                               f"(SELECT id_maison FROM {kind}_actifs WHERE vague = ?) GROUP BY 1",
                               [first, last, vague]).fetchall()
            if not rows:
                raise StoreError(f"Aucune demande des Maisons enquêtées ne donne « {name} » de {first:%m/%Y} à "
                                 f"{last:%m/%Y} : l'activité ne peut pas servir de marge.")
            total = sum(n for _, n in rows)
            parts[name] = {m: 100 * n / total for m, n in rows}
        label = f"activité des Maisons enquêtées ({first:%m/%Y}–{last:%m/%Y})"
    elif source == "registre":
        deps = con.execute(f"SELECT DISTINCT d.code_departement FROM {_source_sql(kind)} WHERE t.vague = ? "
                           "AND d.code_departement IS NOT NULL", [vague]).fetchall()
        for name in names:
            sql = {"format": "m.format", "code_region": "d.code_region", "code_departement": "d.code_departement"}.get(name)
            if sql is None:
                raise StoreError(f"Le registre donne le format, la région ou le département des Maisons, pas « {name} ».")
            rows = con.execute(f"SELECT {sql}, count(*) FROM maisons_v m JOIN ref_departements d USING (code_departement) "
                               f"WHERE list_contains(?, d.code_departement) AND {sql} IS NOT NULL GROUP BY 1",
                               [[d for (d,) in deps]]).fetchall()
            total = sum(n for _, n in rows)
            parts[name] = {m: 100 * n / total for m, n in rows} if total else {}
        label = "Maisons du registre en vigueur"
    else:
        raise StoreError(f"Source de marges inconnue : « {source} » (activite ou registre).")
    return Margins(parts, label)


def report_rows(report: dict) -> list[dict]:
    """The report's matching, one row per modality: variable, modality, share before, after, target (%)."""
    return [{"Variable": v["libelle"], "Modalité": m["libelle"], "Avant (%)": m["avant"], "Après (%)": m["apres"],
             "Cible (%)": m["cible"]} for v in report["variables"] for m in v["modalites"]]


def report_text(report: dict) -> list[str]:
    """The report in French, line by line: what was matched, the iterations, the weights' spread."""
    w = report["poids"]
    bound = f", borne {nombre(report['borne'], 2)}" if report.get("borne") else ""
    lines = [f"Redressement n°{report['id']} de la vague « {printable(report['vague'])} » "
             f"({KINDS[report['kind']].label.lower()}) : {report['methode']} sur {printable(report['source'])}, "
             f"{report['iterations']} itération(s){bound}"
             + (f" ; il rétablit les marges du n°{report['retablit']}." if report.get("retablit") else ".")]
    lines += [f"Remarque : {printable(r)}." for r in report.get("remarques", [])]
    for v in report["variables"]:
        parts = " ; ".join(f"{printable(m['libelle'])} {_pc(m['avant'])} → {_pc(m['apres'])}"
                          + (f" (cible {_pc(m['cible'])})" if m["cible"] is not None else " (part gardée)")
                          for m in v["modalites"])
        lines.append(f"- {v['libelle']} : {parts}")
    ratio = nombre(w["rapport"], 1) if w.get("rapport") else "–"
    lines.append(f"Poids : de {nombre(w['min'], 3)} à {nombre(w['max'], 3)} (rapport max/min {ratio}) ; facteurs de "
                 f"{nombre(w['g_min'], 3)} à {nombre(w['g_max'], 3)} ; taille effective {nombre(w['n_eff_avant'])} "
                 f"avant, {nombre(w['n_eff_apres'])} après, pour {nombre(w['reponses'])} réponses.")
    return lines


def _pc(value: float) -> str:
    return f"{nombre(value, 1)} %"
