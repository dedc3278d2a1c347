"""Settlement (分账): orders, split rules and plans, payouts; pure rules."""
