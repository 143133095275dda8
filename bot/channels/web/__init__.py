"""The mobile web channel (`landbot web`): a phone page and a JSON API over bot/services."""
