"""How long a listener's database work may take inside Slack's acknowledgement."""

# Slack gives up on an acknowledgement after 3 s. The budget counts from the listener's start
# and covers the catalog lookup too (its own 2 s budget), so a lookup that succeeds leaves at
# least half a second to store the request, and the answer still leaves before 3 s.
DATABASE_BUDGET = 2.5
