"""Every callback, block and action id the bot's Slack surfaces use, in one place."""

COMMAND = "/paidorder"

REQUEST_MODAL = "paidorder_request"  # view callback_id
REJECT_MODAL = "paidorder_reject"

APPROVE = "paidorder_approve"  # button action_ids
REJECT = "paidorder_reject_button"
EDIT = "paidorder_edit"  # the requester's own buttons on a pending card
CANCEL = "paidorder_cancel"
DECISION_BLOCK = "paidorder_decision"
APPROVALS_BLOCK = "paidorder_approvals"  # "1 of 2 approvals by …" on a pending card
HOME_DECISION_BLOCK = "paidorder_home_decision"  # + ":<ref>": one per request on the Home tab
SUPERSEDED_BLOCK = "paidorder_superseded"  # marks an extra copy of a card as made inert

VALUE = "value"  # action_id of every input element; the block_id names the field
REASON_BLOCK = "reason"

# The modal's typeahead selects: each id is both the input's action_id and the start of its
# block_id (bot/form_updates.py renews block ids so Slack shows what the bot writes).
FIND_PRODUCT = "find_product"
FIND_CUSTOMER = "find_customer"
