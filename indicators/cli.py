"""The command line: import, kpis, batches, rollback (kpis.md), plus sample, template, users and audit.

It acts as the server's administrator (access.command_line): whoever can run it holds the database's
credentials already. `users add` makes the first admin of a new server.

User mistakes end with exit 1 and a Chinese message on standard error, never a traceback. Everything
printed goes through `say`, which escapes control characters: cell values and file names reach the
terminal as text, never as commands to it.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn, TextIO

from sqlalchemy.exc import SQLAlchemyError

from .access import ROLE_LABELS, NotPermitted, Role, UserRejected
from .ingest.reading import Upload
from .ingest.report import problems_lines
from .ingest.safety import Rejected
from .output import escape, words
from .store import SAMPLE_LABEL, AlreadyRolledBack, BatchNotFound, MetaRejected, Store, StoreBusy
from .store.importer import Outcome, rollback, run_import

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
SAMPLE_USER = "示例数据生成程序"
DEBUG_ENV = "INDICATORS_DEBUG"


class UserError(Exception):
    """A mistake the user can fix; its message is printed as it is."""


# argparse's own messages, as the command line says them in Chinese.
ARGPARSE_WORDS = (
    ("the following arguments are required", "缺少参数"),
    ("unrecognized arguments", "无法识别的参数"),
    ("invalid int value", "应为整数"),
    ("invalid choice", "无效的取值"),
    ("choose from", "可选"),
    ("expected one argument", "缺少取值"),
    ("argument ", "参数 "),
)


class ChineseHelp(argparse.HelpFormatter):
    """argparse's help with its usage line headed in Chinese."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse whose help and errors are Chinese; a wrong command line exits 2, as argparse does."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **{**kwargs, "formatter_class": ChineseHelp, "add_help": False})
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        for english, chinese in ARGPARSE_WORDS:
            message = message.replace(english, chinese)
        say(f"错误：命令行有误（{message}）。用法见 python -m indicators --help", sys.stderr)
        sys.exit(2)


def say(line: str, stream: TextIO | None = None) -> None:
    """Print one line for a person or a pipe, with every line break and control character shown as its code."""
    print(escape.terminal(line), file=stream or sys.stdout)


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m indicators", description="法治政府建设指标：导入台账、计算指标、管理批次")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="导入一个或多个台账文件（作为一个批次）")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--label", default="", help="批次说明")
    imp.add_argument("--user", default=os.environ.get("USER", ""), help="导入人")
    kp = sub.add_parser("kpis", help="计算某一期间的指标")
    kp.add_argument("--period", required=True, help="2025、2025H1、2025Q1 或 2025-03")
    kp.add_argument("--unit", default=None, help="只统计该单位")
    kp.add_argument("--json", action="store_true", help="输出 JSON")
    rp = sub.add_parser("report", help="生成某一期间的简报：Word（docx）、幻灯片（pptx）或 Markdown（md）")
    rp.add_argument("--period", required=True, help="2025、2025H1、2025Q1 或 2025-03")
    rp.add_argument("--unit", default=None, help="只统计该单位")
    rp.add_argument("--format", required=True, choices=["docx", "pptx", "md"], help="docx、pptx 或 md")
    rp.add_argument("-o", "--output", required=True, metavar="FILE", help="写入的文件")
    bt = sub.add_parser("batches", help="导入历史")
    bt.add_argument("--json", action="store_true", help="输出 JSON")
    rb = sub.add_parser("rollback", help="撤销一个批次")
    rb.add_argument("batch_id", type=int, metavar="BATCH_ID")
    sm = sub.add_parser("sample", help="仓库为空时导入 2024 年示例数据（一个批次）")
    sm.add_argument("--dir", default=str(SAMPLE_DIR), help="示例台账所在目录")
    tp = sub.add_parser("template", help="生成可下载的 .xlsx 填报模板")
    tp.add_argument("out", metavar="FILE")
    _users_parser(sub.add_parser("users", help="管理用户：新增、改密码、授权、停用、解除登录限制、列出"))
    au = sub.add_parser("audit", help="审计日志（最新的在前）")
    au.add_argument("--json", action="store_true", help="输出 JSON")
    au.add_argument("--user", default=None, help="只看该用户")
    au.add_argument("--action", action="append", default=None, help="只看该操作（可重复），如 sign_in、import")
    au.add_argument("--limit", type=int, default=200, help="最多显示多少条（默认 200，0 为全部）")
    return parser


def _users_parser(users: argparse.ArgumentParser) -> None:
    sub = users.add_subparsers(dest="users_command", required=True)
    roles = [r.value for r in Role]
    add = sub.add_parser("add", help="新增用户")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=roles, help="viewer 查看、editor 填报、admin 管理员")
    add.add_argument("--unit", action="append", default=[], help="授权的单位（可重复；查看用户不写即全部单位）")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    pw = sub.add_parser("passwd", help="修改用户密码")
    pw.add_argument("name", metavar="NAME")
    pw.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    gr = sub.add_parser("grant", help="修改用户的角色和授权单位")
    gr.add_argument("name", metavar="NAME")
    gr.add_argument("--role", required=True, choices=roles)
    gr.add_argument("--unit", action="append", default=[])
    for name, text in (
        ("disable", "停用用户（不能再登录）"),
        ("enable", "重新启用用户"),
        ("unlock", "解除登录失败次数限制"),
    ):
        sub.add_parser(name, help=text).add_argument("name", metavar="NAME")
    ls = sub.add_parser("list", help="列出用户")
    ls.add_argument("--json", action="store_true", help="输出 JSON")


def _file_name(path: Path) -> str:
    """A file's name as its owner reads it: names from unpacked Chinese archives are often GBK, not UTF-8."""
    raw = os.fsencode(path.name)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def _uploads(paths: list[str]) -> list[Upload]:
    uploads = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise UserError(f"找不到文件：{name}")
        try:
            upload = Upload.from_path(path)
        except Rejected as exc:
            raise UserError(f"文件“{_file_name(path)}”：{exc}") from None
        uploads.append(Upload(_file_name(path), upload.data))
    return uploads


def _waiting() -> None:
    say(words.WAITING, sys.stderr)


def _report(outcome: Outcome) -> int:
    """Exit status and output of an import: the summary, or the full problem report on stderr."""
    if not outcome.ok:
        for line in problems_lines(outcome.problems):
            say(line, sys.stderr)
        return 1
    for line in words.summary_lines(outcome):
        say(line)
    return 0


def cmd_import(store: Store, args: argparse.Namespace) -> int:
    return _report(run_import(store, _uploads(args.files), args.label, args.user, on_wait=_waiting))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def cmd_kpis(store: Store, args: argparse.Namespace) -> int:
    from .metrics.aggregate import compute
    from .metrics.kpis import has_records
    from .metrics.periods import parse_period

    try:
        period = parse_period(args.period)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    result = compute(store, period, args.unit)
    if args.unit and not has_records(result) and args.unit not in (units := store.units()):
        say(f"注意：没有任何记录属于单位“{args.unit}”，数字均为 0。现有单位：{'、'.join(units) or '无'}。", sys.stderr)
    if args.json:
        say(json.dumps(result, ensure_ascii=False))
        return 0
    p, lit, tr = result["petitions"], result["litigation"], result["training"]
    say(f"{period.label}（{result['start']} 至 {result['end']}）{args.unit or '全部单位'}")
    say(
        f"信访：收件 {p['total']} 件，办结 {p['closed']} 件（{_pct(p['closure_rate'])}），"
        f"按期 {p['on_time']} 件（{_pct(p['on_time_rate'])}）"
    )
    for channel, n in p["by_channel"].items():
        say(f"  {channel}：{n}")
    say(
        f"复议应诉：收案 {lit['cases']} 件，结案 {lit['concluded']} 件，败诉/被纠错 {lit['lost']} 件（{_pct(lit['loss_rate'])}），"
        f"开庭 {lit['hearings']} 次，负责人出庭 {lit['head_appearances']} 次（{_pct(lit['head_appearance_rate'])}）"
    )
    say(f"培训学法：{tr['sessions']} 场，{tr['participants']} 人次，{tr['hours']:g} 学时")
    return 0


def write_whole(out: Path, data: bytes) -> None:
    """Write a file so that no reader sees half of it: into a new temporary file of its own (created
    exclusively, so no planted link is followed) beside the target, then renamed over it."""
    import tempfile

    fd, temporary = tempfile.mkstemp(dir=out.parent, prefix=".report-", suffix=".part")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # the file's rights as any file the user writes, not mkstemp's 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cmd_report(store: Store, args: argparse.Namespace) -> int:
    from .briefing import pack
    from .metrics.periods import parse_period
    from .views import report_data

    try:
        period = parse_period(args.period)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if store.is_empty():
        raise UserError("数据库中还没有任何数据，无法生成简报。请先导入台账（import）或示例数据（sample）。")
    unit = args.unit or None  # --unit '' is every unit, as no --unit
    if unit and unit not in (units := store.units()):
        raise UserError(f"没有任何记录属于单位“{unit}”。现有单位：{'、'.join(units) or '无'}。")
    out = Path(args.output)
    if out.suffix.lower() != f".{args.format}":
        raise UserError(f"输出文件“{out.name}”的扩展名应为 .{args.format}（--format {args.format}）。")
    if not out.parent.is_dir():
        raise UserError(f"目录“{out.parent}”不存在，请先建好目录或换一个输出路径。")
    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise UserError(f"“{out}”不是普通文件（目录、链接或设备），请换一个输出文件名。")
    data = pack(report_data(store, period, unit), args.format)
    write_whole(out, data)
    say(f"已生成{period.label}简报（{args.format}，{len(data):,} 字节）：{args.output}")
    return 0


BATCH_KEYS = ("id", "created_at", "label", "files", "added", "updated", "unchanged", "rolled_back", "repeat")


def cmd_batches(store: Store, args: argparse.Namespace) -> int:
    items = store.batches()
    if args.json:
        shown = [{**{k: b[k] for k in BATCH_KEYS}, "files": [dict(f) for f in b["files"]]} for b in items]
        say(json.dumps(shown, ensure_ascii=False))
        return 0
    if not items:
        say("还没有导入任何批次。")
    for b in items:
        flags = "（已撤销）" if b["rolled_back"] else ""
        flags += "（重复上传）" if b["repeat"] else ""
        names = "、".join(f["name"] for f in b["files"])
        head = " ".join(p for p in (f"批次 {b['id']}", words.shown_time(b["created_at"]), b["label"]) if p)
        say(f"{head}{flags}：新增 {b['added']}，更新 {b['updated']}，未变 {b['unchanged']}；{names}")
    return 0


def cmd_rollback(store: Store, args: argparse.Namespace) -> int:
    preview = rollback(store, args.batch_id, on_wait=lambda: say(words.WAITING_ROLLBACK, sys.stderr))
    say(f"已撤销批次 {args.batch_id}：它载有的记录各自回到其他有效批次中的最新版本，没有的即删除。")
    for line in words.rollback_lines(preview):
        say(line)
    return 0


def load_sample(store: Store, directory: Path = SAMPLE_DIR) -> Outcome | None:
    """Import the sample ledgers as one batch labelled 示例数据, only into an empty store.

    Whether the store is empty is decided under the write lock: several `sample` runs at once load it once.
    """
    if not store.is_empty():
        return None
    files = sorted(p for p in directory.iterdir() if p.suffix in (".xlsx", ".csv"))
    outcome = run_import(store, [Upload.from_path(p) for p in files], SAMPLE_LABEL, SAMPLE_USER, only_if_empty=True)
    return outcome if not outcome.ok or outcome.batch_id is not None else None


def cmd_sample(store: Store, args: argparse.Namespace) -> int:
    outcome = load_sample(store, Path(args.dir))
    if outcome is None:
        say("仓库中已有数据，未导入示例数据。")
        return 0
    return _report(outcome)


def cmd_template(store: Store, args: argparse.Namespace) -> int:
    from .output.template import template_bytes

    Path(args.out).write_bytes(template_bytes())
    say(f"已生成模板：{args.out}")
    return 0


def _password(args: argparse.Namespace) -> str:
    """The password from one line of standard input (--password-stdin), or typed twice at a terminal."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError("请用 --password-stdin 从标准输入提供密码。")
    import getpass

    first, second = getpass.getpass("密码："), getpass.getpass("再输入一次：")
    if first != second:
        raise UserError("两次输入的密码不一致，未做任何改动。")
    return first


def cmd_users(store: Store, args: argparse.Namespace) -> int:
    from .store import users

    engine, actor, command = store.engine, store.actor, args.users_command
    if command == "list":
        found = [u.as_dict() for u in users.list_users(engine)]
        if args.json:
            say(json.dumps(found, ensure_ascii=False))
            return 0
        if not found:
            say("还没有任何用户：仪表盘以本机管理员身份只在 127.0.0.1 上提供服务。")
        for u in found:
            state = "（已停用）" if u["disabled"] else ""
            say(f"{u['name']}{state}：{u['role_label']}，单位：{'、'.join(u['units']) or '全部单位'}")
        return 0
    if command == "add":
        user = users.add_user(engine, actor, args.name, Role(args.role), args.unit, _password(args))
        say(f"已新增用户“{user.name}”（{ROLE_LABELS[user.role]}）。")
    elif command == "passwd":
        users.set_password(engine, actor, args.name, _password(args))
        say(f"已修改用户“{args.name}”的密码。")
    elif command == "grant":
        user = users.set_grant(engine, actor, args.name, Role(args.role), args.unit)
        say(f"已将用户“{user.name}”设为{ROLE_LABELS[user.role]}，单位：{'、'.join(user.units) or '全部单位'}。")
    elif command == "unlock":
        users.unlock(engine, actor, args.name)
        say(f"已解除用户“{args.name}”的登录限制。")
    else:
        users.set_disabled(engine, actor, args.name, command == "disable")
        say(f"已{'停用' if command == 'disable' else '启用'}用户“{args.name}”。")
    return 0


def cmd_audit(store: Store, args: argparse.Namespace) -> int:
    from .store import audit

    unknown = sorted(set(args.action or ()) - set(audit.ACTION_LABELS))
    if unknown:
        known = "、".join(f"{a}（{label}）" for a, label in audit.ACTION_LABELS.items())
        raise UserError(f"没有这种操作：{'、'.join(unknown)}。可用的有：{known}")
    found = audit.rows(store.engine, store.actor, actor=args.user, actions=args.action, limit=args.limit or None)
    if args.json:
        found = found.assign(detail=[json.loads(d) for d in found["detail"]])
        say(json.dumps(found.to_dict(orient="records"), ensure_ascii=False))
        return 0
    for row in audit.shown(found).itertuples(index=False, name=None):
        say("  ".join(str(v) for v in row))
    return 0


COMMANDS = {
    "import": cmd_import,
    "kpis": cmd_kpis,
    "report": cmd_report,
    "batches": cmd_batches,
    "rollback": cmd_rollback,
    "sample": cmd_sample,
    "template": cmd_template,
    "users": cmd_users,
    "audit": cmd_audit,
}


OS_REASONS = {
    errno.ENOENT: "文件或目录不存在",
    errno.EISDIR: "这是一个目录",
    errno.ENOTDIR: "路径中有一段不是目录",
    errno.EACCES: "没有权限",
    errno.EPERM: "不允许的操作",
    errno.ENOSPC: "磁盘已满",
    errno.EROFS: "只读的文件系统",
    errno.EEXIST: "文件已存在",
}


def os_reason(exc: OSError) -> str:
    """Why a file could not be read or written, in Chinese (the system's words when unforeseen)."""
    return OS_REASONS.get(exc.errno, exc.strerror or type(exc).__name__)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        status = COMMANDS[args.command](Store(), args)
        sys.stdout.flush()  # a pipe that closed early fails here, inside the handler, not at exit
        return status
    except UserError as exc:
        say(f"错误：{exc}", sys.stderr)
    except (BatchNotFound, AlreadyRolledBack, StoreBusy, MetaRejected) as exc:
        say(f"错误：{words.refusal(exc)}", sys.stderr)
    except NotPermitted as exc:
        say(f"错误：{exc.message}", sys.stderr)
    except UserRejected as exc:
        say(f"错误：{exc}", sys.stderr)
    except SQLAlchemyError as exc:
        say(f"错误：无法访问数据库（{type(exc).__name__}）。请检查 INDICATORS_DB_URL 设置与数据库服务。", sys.stderr)
    except BrokenPipeError:
        # The reader of our output went away (`… | head -1`): what was asked is done; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        say(f"错误：读写文件失败（{os_reason(exc)}）：{exc.filename or ''}", sys.stderr)
    except Exception:  # a failure nobody foresaw: no traceback for the user, the details on request
        if os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        say(
            "错误：发生了意外的内部错误，本次操作未完成，没有保存任何数据。请把所用文件和命令转给系统管理员"
            f"（设置环境变量 {DEBUG_ENV}=1 后重试可看到详细信息）。",
            sys.stderr,
        )
    return 1
