"""The REST API: a second adapter (beside the Streamlit pages) over the same core services."""
