"""The Streamlit review app. Not built yet: see the review-app issue."""
