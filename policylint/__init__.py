"""policylint: a BGP route-policy linter and anycast what-if analyzer."""

__version__ = "0.1.0"
