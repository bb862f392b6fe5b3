"""The public find-care site (`callcenter web`)."""
