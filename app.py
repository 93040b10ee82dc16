"""PeopleOS entry point: page config and the one router (st.navigation)."""

import streamlit as st

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
navigation.run()
