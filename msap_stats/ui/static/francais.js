// What Streamlit's widgets say to assistive technologies in English (aria-label), said in French: set on each
// element as it comes, and again if Streamlit writes its English back. A value shown in a label (a chosen région)
// is kept as it is, as text.
if (!window.msapFrancais) {
  window.msapFrancais = true;
  const words = {
    "Sidebar": "Volet des filtres",
    "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran",
    "Clear all": "Tout effacer",
    "Clear value": "Effacer le choix",
    "Clear date": "Effacer la date",
    "Clear dates": "Effacer les dates",
    "Selected values": "Valeurs choisies",
    "Open": "Ouvrir la liste",
    "Close": "Fermer",
    "Main menu": "Menu principal",
    "App pages": "Pages du tableau de bord",
    "Collapse sidebar": "Replier le volet des filtres",
    "Expand sidebar": "Déplier le volet des filtres",
    "Link to heading": "Lien vers ce titre",
    "Choose date": "Choisir une date",
    "Choose date range": "Choisir une période",
    "Quick select a date range": "Choisir une période prédéfinie",
    "Previous month": "Mois précédent",
    "Next month": "Mois suivant",
    "Previous page": "Page précédente",
    "Next page": "Page suivante",
    "Running...": "Calcul en cours…",
    "Dataframe column menu": "Menu de la colonne",
    "Close Search": "Fermer la recherche",
    "Increment": "Augmenter",
    "Decrement": "Diminuer",
    "Scroll tabs left": "Onglets précédents",
    "Scroll tabs right": "Onglets suivants",
    "Multiselect": "Liste à choix multiples",
    "Multiselect options": "Choix de la liste",
    "Selectbox": "Liste de choix",
    "Selectbox options": "Choix de la liste",
  };
  const prefixes = [["Remove ", "Retirer "]];
  const suffixes = [[" — start", " — début"], [" — end", " — fin"]];  // a range slider's two ends
  const french = label => {
    if (Object.hasOwn(words, label)) return words[label];
    for (const [english, mot] of prefixes) if (label.startsWith(english)) return mot + label.slice(english.length);
    for (const [english, mot] of suffixes) if (label.endsWith(english)) return label.slice(0, -english.length) + mot;
    return null;
  };
  const fix = el => {
    const said = french(el.getAttribute("aria-label") || "");
    if (said !== null) el.setAttribute("aria-label", said);
  };
  const sweep = root => {
    if (root.hasAttribute("aria-label")) fix(root);
    if (root.firstElementChild) root.querySelectorAll("[aria-label]").forEach(fix);
  };
  new MutationObserver(records => {
    for (const r of records) {
      if (r.type === "attributes") fix(r.target);
      else r.addedNodes.forEach(n => { if (n.nodeType === 1) sweep(n); });
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"]});
  sweep(document.body);
}
