"""Who is using the dashboard: the login (OpenID Connect through ``st.login``) when ``.streamlit/secrets.toml``
has an ``[auth]`` section, otherwise the local mode of one person on their own machine. The rules themselves are
in ``msap_stats.roles``; this module only asks who it is and shows what they may reach."""

from __future__ import annotations

import streamlit as st

from ..access import roles, users
from . import connection, text


def set_user(user) -> None:
    """The acting user of this run (``access.current``), for the functions that write."""
    st.session_state["_utilisateur"] = user


def acting_user():
    return st.session_state.get("_utilisateur")


def login_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: local mode
        return False


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _loopback(host: str | None) -> bool:
    return bool(host) and (host in LOOPBACK or host.startswith("127."))


def local_exposure() -> str | None:
    """Local mode makes whoever reaches the server its administrator: why this server is not this machine's only
    (it listens beyond it, or a proxy forwards other machines' requests), or None."""
    address = st.get_option("server.address")
    if not _loopback(address):
        return (f"le serveur écoute au-delà de cette machine (adresse « {address or 'toutes les interfaces'} »)")
    forwarded = [h.strip() for h in str(st.context.headers.get("X-Forwarded-For") or "").split(",") if h.strip()]
    client = st.context.ip_address
    if any(not _loopback(h) for h in forwarded) or (client and not _loopback(client)):
        return "un relais (proxy) lui transmet les requêtes d'autres machines"
    return None


def current() -> users.User | None:
    """The acting user of this script run; None when the gate (``gate``) must be shown instead of the pages:
    not logged in, or logged in without a role, or local mode reached from another machine."""
    if not login_configured():
        exposed = local_exposure()
        if exposed:
            st.session_state["_exposition"] = exposed
            return None
        return users.local_user()
    if not st.user.is_logged_in:
        return None
    login = users.login(connection.cursor(), dict(st.user.to_dict()))
    if (login.bind or login.refus) and st.session_state.get("_connexion") != login:
        with connection.writing() as writer:  # once per session: a first login linked, or a refusal, journaled
            bound = roles.record_login(writer, login)
        if login.bind and not bound:
            login = users.Login(login.issuer, login.sub, None, f"l'adresse {login.email} est déjà liée à un autre compte")
    st.session_state["_connexion"] = login
    if login.email is None:
        return None
    user = users.user(connection.cursor(), login.email)
    return user if user.role else None


def gate() -> None:
    """The only page of someone not logged in (the login button) or without a role (whom to ask), or of a local
    mode reached from elsewhere."""
    exposed = st.session_state.get("_exposition")
    if exposed and not login_configured():
        st.title("Mode local : accès refusé")
        st.error(f"Sans connexion configurée, ce tableau de bord est celui d'une seule personne sur sa machine, qui "
                 f"en est l'administratrice ; or {text.html_text(exposed)}. Aucune donnée n'est servie. Lancez-le sur "
                 "127.0.0.1 (make run), ou configurez la connexion (section [auth] de .streamlit/secrets.toml, voir "
                 "le README) pour le servir à plusieurs.", icon=":material/lock:")
        return
    if not st.user.is_logged_in:
        _login_page()
    else:
        login = st.session_state.get("_connexion")
        if login is not None and login.email is None:
            _refused_page(login.refus)
        else:
            _no_role_page(login.email if login else "")


def _login_page() -> None:
    st.title("Évaluation des Maisons de services au public")
    st.markdown("Ce tableau de bord est réservé aux agents qui y ont un rôle. Connectez-vous avec votre compte "
                "professionnel.")
    if st.button("Se connecter", type="primary", key="se_connecter"):
        st.login()


def _no_role_page(email: str) -> None:
    st.title("Accès en attente")
    admins = roles.admins(connection.cursor())
    who = ", ".join(admins) if admins else "l'administrateur du tableau de bord"
    st.markdown(f"Vous êtes connecté(e) comme **{text.html_text(email or 'adresse inconnue')}**, mais aucun rôle ne vous a "
                f"encore été donné : aucune donnée n'est affichée. Demandez un rôle (lecteur, coordinateur de votre "
                f"région) à : {text.html_text(who)}.")
    if st.button("Se déconnecter", key="se_deconnecter"):
        st.logout()


def _refused_page(reason: str | None) -> None:
    st.title("Connexion refusée")
    st.markdown(f"Votre connexion a abouti, mais elle ne peut pas ouvrir le tableau de bord : "
                f"{text.html_text(reason or 'compte inconnu')}. Aucune donnée n'est affichée. Adressez-vous à "
                f"l'administrateur du tableau de bord ({text.html_text(', '.join(roles.admins(connection.cursor())) or 'non nommé')}).")
    if st.button("Se déconnecter", key="se_deconnecter"):
        st.logout()


def sidebar(user: users.User) -> None:
    """Who is connected, with what role, or that this is the local mode."""
    with st.sidebar:
        if login_configured():
            regions = f" ({', '.join(user.regions)})" if user.regions else ""
            st.caption(f"Connecté(e) : {text.html_text(user.email)} — {user.role}{regions}")
            if st.button("Se déconnecter", key="deconnexion"):
                st.logout()
        else:
            st.caption("Mode local : une seule personne, sur ce poste (le serveur n'écoute que cette machine). "
                       "Pour plusieurs utilisateurs, configurez la connexion (voir le README).")
