"""The app's pages and sections. Each module draws one part of the page with
Streamlit; the logic they show lives in the UI-free modules beside them."""
