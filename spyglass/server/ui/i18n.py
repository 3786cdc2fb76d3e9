"""UI languages: English (the message keys themselves) and Simplified Chinese.

The language comes from the `lang` cookie, else the browser's Accept-Language. Dates and
numbers are formatted in the browser with Intl for the page's `lang` (see spyglass.js)."""

from __future__ import annotations

from starlette.requests import Request

LANGUAGES = {"en": "English", "zh-CN": "简体中文"}

ZH: dict[str, str] = {
    "Projects": "项目", "Project": "项目", "Traces": "追踪", "Trace": "追踪", "Spans": "跨度", "Span": "跨度",
    "Threads": "会话", "Thread": "会话", "Name": "名称", "Start": "开始时间", "Duration": "耗时",
    "Input": "输入", "Output": "输出", "Tokens": "Token 数", "Cost": "成本", "Scores": "评分", "Tags": "标签",
    "User": "用户", "Error rate": "错误率", "Last activity": "最近活动", "Status": "状态", "Type": "类型",
    "Model": "模型", "Turns": "轮次", "Filter": "筛选", "Apply": "应用", "Clear": "清除", "Load more": "加载更多",
    "All time": "全部时间", "Last hour": "最近 1 小时", "Last 24 hours": "最近 24 小时",
    "Last 7 days": "最近 7 天", "Last 30 days": "最近 30 天", "No traces yet": "还没有追踪数据",
    "No spans match": "没有匹配的跨度", "No traces match": "没有匹配的追踪", "No threads yet": "还没有会话",
    "Send your first trace with the Python SDK:": "用 Python SDK 发送第一条追踪：",
    "or point any OpenTelemetry exporter at": "或将任意 OpenTelemetry 导出器指向",
    "or post JSON to": "或以 JSON 发送到", "see the API": "见 API 文档",
    "Metadata": "元数据", "Usage": "用量", "Attributes": "原始属性", "Events": "事件", "Documents": "检索文档",
    "Error": "错误", "Add score": "添加评分", "Value": "数值", "Label": "类别", "Reason": "理由", "Save": "保存",
    "Edit": "编辑", "Remove": "删除", "Cancel": "取消", "human": "人工", "sdk": "SDK", "api": "API",
    "online evaluation": "在线评估", "Expand all": "全部展开", "Collapse all": "全部折叠",
    "Search spans": "搜索跨度", "in progress": "进行中", "error": "错误", "ok": "正常",
    "Select a span to see its details.": "选择一个跨度查看详情。", "Copy": "复制", "Copied": "已复制",
    "Theme": "主题", "Language": "语言", "Times": "时间", "relative": "相对", "absolute": "绝对",
    "Spans of this trace": "本追踪的跨度", "Open trace": "打开追踪", "Conversation": "对话",
    "Tool calls": "工具调用", "Score": "得分", "spans": "个跨度", "Time range": "时间范围",
    "Keyboard: j/k move, Enter opens, Esc closes": "键盘：j/k 移动，Enter 打开，Esc 关闭",
    "Loading spans…": "正在加载跨度…", "Source": "来源", "Provider": "提供方", "no value": "无",
    "Trace details": "追踪详情", "Prompt": "提示", "Completion": "补全",
    "Columns": "列", "Select": "选择", "Select all on this page": "全选本页", "selected": "项已选",
    "Tag": "标签", "Add tag": "添加标签", "Delete": "删除", "Confirm delete": "确认删除",
    "Clear selection": "取消选择", "Back to projects": "返回项目列表", "Not found": "未找到",
    "Bad request": "请求有误", "Conflict": "冲突", "Busy": "服务繁忙", "more": "更多",
}


def language(request: Request) -> str:
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    accepted = request.headers.get("accept-language", "").lower()
    return "zh-CN" if accepted.startswith("zh") else "en"


def translator(lang: str):  # type: ignore[no-untyped-def]
    table = ZH if lang == "zh-CN" else {}

    def gettext(text: str) -> str:
        return table.get(text, text)

    return gettext
