"""The holder's care pages: self-check, security centre, policy changes, holder passwords."""
