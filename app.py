"""PeopleOS entry point: page config and the one router (st.navigation).

Start it with ``python app.py`` (what ``make run`` does). Streamlit treats a ``pages/``
folder beside the entry script as an old-style page folder and would serve those files
by URL without running this router; the launcher below turns that mode off before the
server starts, and every page also refuses to render unless this router ran.
"""

import sys

import streamlit as st
from streamlit import runtime

ROUTED_KEY = "_peopleos_routed"


def _serve() -> int:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", __file__, *sys.argv[1:]]
    return cli.main()


def _route() -> None:
    st.set_page_config(page_title="PeopleOS", page_icon=":material/diversity_3:", layout="wide")
    pages = [
        st.Page(
            "pages/overview.py",
            title="Overview",
            icon=":material/dashboard:",
            url_path="overview",
            default=True,
        ),
    ]
    navigation = st.navigation({"Hiring": pages})
    st.sidebar.caption("PeopleOS · hiring and people intelligence for startups")
    st.session_state[ROUTED_KEY] = True
    navigation.run()


if __name__ == "__main__" and not runtime.exists():
    sys.exit(_serve())
else:
    _route()
