"""The corpus: articles (Markdown with TOML front matter), their passages, and the catalog of speakers and
sources built from them. Needs no model."""
