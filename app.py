"""PeopleOS entry point: page config, login, and the one router (st.navigation).

Start it with ``python app.py`` (what ``make run`` does). Streamlit treats a ``pages/``
folder beside the entry script as an old-style page folder and would serve those files
by URL without running this router; the launcher below turns that mode off before the
server starts, and every page also refuses to render unless this router ran.
"""

import sys

import streamlit as st
from streamlit import runtime

from core.permissions import pages_for

ROUTED_KEY = "_peopleos_routed"


def _serve() -> int:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", __file__, *sys.argv[1:]]
    return cli.main()


def _route() -> None:
    from pages._components import HIDDEN_PAGES, PAGE_FILES, signed_in_caption
    from pages._data_key import stop_unless_data_key_fits
    from pages._session import current_actor, login_form, logout_button

    st.set_page_config(page_title="PeopleOS", page_icon=":material/diversity_3:", layout="wide")
    st.session_state[ROUTED_KEY] = True
    stop_unless_data_key_fits()
    actor, authenticator = current_actor()
    careers = st.Page(
        "pages/careers.py", title="Careers", icon=":material/work:", url_path="careers"
    )
    if actor is None:
        st.session_state.pop("actor", None)
        login = st.Page(
            lambda: login_form(authenticator),
            title="Log in",
            icon=":material/login:",
            url_path="login",
            default=True,
        )
        # A page's own address (a bookmark, /overview typed in) shows the login form and
        # stays put, so once the login cookie is read or the user logs in, that page opens.
        held = [
            st.Page(
                lambda: login_form(authenticator),
                title="Log in",
                url_path=key,
                visibility="hidden",
            )
            for key in PAGE_FILES
        ]
        # Reached from an invitation email only: not in the menu.
        welcome = st.Page(
            "pages/welcome.py", title="Welcome", url_path="welcome", visibility="hidden"
        )
        # Reached from a privacy request's confirmation email only.
        data_request = st.Page(
            "pages/data_request.py",
            title="Your data",
            url_path="data_request",
            visibility="hidden",
        )
        st.navigation([login, careers, welcome, data_request, *held], position="top").run()
        return
    st.session_state["actor"] = actor
    sections: dict[str, list[st.Page]] = {}
    for key in pages_for(actor.role):
        path, title, icon, section = PAGE_FILES[key]
        sections.setdefault(section, []).append(
            st.Page(
                path,
                title=title,
                icon=icon,
                url_path=key,
                visibility="hidden" if key in HIDDEN_PAGES else "visible",
            )
        )
    first = next(iter(sections.values()))[0]
    # Streamlit serves the default page at "/" only, never at its own address; a hidden home
    # page takes "/" and opens the first page, so every page keeps its address (/overview).
    home = st.Page(
        lambda: st.switch_page(first),
        title=first.title,
        url_path="home",
        default=True,
        visibility="hidden",
    )
    sections.setdefault("", []).insert(0, home)
    # Every page in the menu: collapsed, Streamlit hides those past the tenth behind "View more".
    navigation = st.navigation(sections, expanded=True)
    st.sidebar.caption(signed_in_caption(actor))
    logout_button(authenticator)
    navigation.run()


if __name__ == "__main__" and not runtime.exists():
    sys.exit(_serve())
else:
    _route()
