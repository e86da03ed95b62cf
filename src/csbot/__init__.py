"""csbot answers Chinese e-commerce customer-service messages.

>>> import csbot
>>> bot = csbot.Bot.load()
>>> bot.reply("我的快递到哪了").intent
'shipping'
"""

from csbot._version import __version__
from csbot.bot import Bot, default_bot
from csbot.errors import CsbotError, DataError, ModelError, ModelVersionWarning
from csbot.privacy import mask_pii
from csbot.types import Handoff, Prediction, Reply, ScoredIntent

__all__ = [
    "Bot",
    "CsbotError",
    "DataError",
    "Handoff",
    "ModelError",
    "ModelVersionWarning",
    "Prediction",
    "Reply",
    "ScoredIntent",
    "__version__",
    "default_bot",
    "mask_pii",
]
