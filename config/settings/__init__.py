"""Settings modules: `config.settings.main` runs the site (the demo with DEBUG=1, and production),
`config.settings.test` runs the test suite. Both build on `config.settings.base`.

This package itself defines nothing: importing it loads no settings.
"""
