"""CLI commands, one module each; `COMMAND_MODULES` is the order `landbot --help` lists them."""

from bot.commands import (
    ask,
    chat,
    check,
    db,
    drafts,
    generate,
    kb,
    ledger,
    procedure,
    run,
    users,
    web,
)

COMMAND_MODULES = (chat, run, web, ask, procedure, check, generate, kb, drafts, ledger, users, db)
