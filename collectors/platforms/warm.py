"""Imported for its effect: every platform's templates and patterns are compiled.

The SSH collector's worker server (``collectors.ssh``) preloads this module, so the
worker processes it forks start with all of it ready instead of each one reading
ntc-templates' index and compiling the same templates and regexes again.
"""

from netcensus.collectors.platforms import PLATFORMS
from netcensus.collectors.platforms.base import command_echo
from netcensus.collectors.platforms.parse import compile_templates

compile_templates(PLATFORMS.values())
for _platform in PLATFORMS.values():
    # Cached properties and functions: reading them once compiles and keeps the regex.
    _platform.prompt_regex, _platform.login_question_regex, _platform.noise_pattern  # noqa: B018
    for _rule in _platform.secrets:
        _rule.pattern  # noqa: B018
    for _command in (
        _platform.disable_paging,
        _platform.config_command,
        *(command.command for command in _platform.commands),
    ):
        command_echo(_command)
