"""The store: models, migrations, division codes, declared inventory."""
