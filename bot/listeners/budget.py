"""How long a listener's work may take inside Slack's acknowledgement."""

# Slack gives up on an acknowledgement after 3 s, counted from its side: the network and the
# time before the listener starts come out of that too. The budget counts from the listener's
# start and covers the database and the catalog lookup (at most 2 s of its own) together, so
# the answer leaves well before 3 s even when a wait on the database ate most of it.
ACK_BUDGET = 2.2
# Kept back from the catalog lookup for storing the request afterwards.
STORE_RESERVE = 0.3
