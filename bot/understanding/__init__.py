"""Understanding what people write: intents and their slots (`reading`), the words they use from
the per-language catalogues (`words`), and their answers normalised (`answers`). See README,
"Understanding", for the corpus every reading is tested against and how to add a misread."""
