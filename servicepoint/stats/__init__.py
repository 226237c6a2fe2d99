"""Statistics: a fact per visit (``facts``), daily aggregates kept after the facts are
deleted (``facts.aggregate_days``), the figures of a range (``figures``), small numbers
suppressed for the ``reporting`` role and every export (``suppression``), CSV and XLSX
(``export``) and the retention that deletes only what has been counted (``retention``).

Nothing here knows a person: a fact holds no token, no code and no exact time.
"""
