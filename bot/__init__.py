"""landbot: 土地储备与供应方案助手."""

__version__ = "0.1.0"
