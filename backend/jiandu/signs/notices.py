"""What the signs capability tells: a print file is ready (registered with notify in signs' `setup`)."""
from __future__ import annotations

from jiandu.notify import rules
from jiandu.notify.recipients import active_user
from jiandu.notify.words import to_users

RULES: dict[str, rules.Rule] = {}
rule = rules.collect(RULES)


@rule("print_batch.ready", "print_batch")
def _print_batch_ready(p):
    """signs: {"batch_id", "user_id" (who asked), "pages"} — to the admin who asked."""
    user = active_user(p.get("user_id"))
    if user is None:
        return []
    batch, pages = p.get("batch_id"), p.get("pages")

    def words(lang):
        if lang == "en":
            return "Print file ready", (f"The print file of sign batch {batch} is ready"
                                        + (f" ({pages} pages)" if pages else "") + "; you can download it")
        return "印制文件已生成", (f"标识牌批次 {batch} 的印制文件已生成"
                                  + (f"（{pages} 页）" if pages else "") + "，可以下载")

    url = p.get("url") or f"/#/signs?batch={int(p['batch_id'])}"
    return to_users([user], words, url, f"batch-{p.get('batch_id')}")
