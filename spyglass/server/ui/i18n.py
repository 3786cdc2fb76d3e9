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


# Datasets, experiments and prompts.
ZH.update({
    "Sections": "栏目", "Datasets": "数据集", "Dataset": "数据集", "Experiments": "实验", "Experiment": "实验",
    "Prompts": "提示词", "New dataset": "新建数据集", "Description": "描述", "Create": "创建",
    "Search by name": "按名称搜索", "Items": "条目", "Version": "版本", "Updated": "更新时间", "Created": "创建时间",
    "No datasets match": "没有匹配的数据集", "No datasets yet": "还没有数据集",
    "Create one with “New dataset”, add traces from a project's traces table (tick rows, then “Add to dataset”), "
    "or from the SDK:": "点击“新建数据集”创建，或在项目的追踪表中勾选行后点击“加入数据集”，或使用 SDK：",
    "Rename": "重命名", "Delete this dataset with its items, versions and experiments?": "删除此数据集及其条目、版本和实验？",
    "current": "当前", "item": "条", "items": "条", "Show": "显示", "Add item": "添加条目", "Add": "添加",
    "Items as of version": "版本中的条目：", "read-only": "只读", "back to the current version": "返回当前版本",
    "Expected output": "期望输出", "No items in this version": "此版本没有条目",
    "No experiments on this dataset yet. Run one from the SDK:": "此数据集还没有实验。用 SDK 运行一个：",
    "Versions": "版本", "Change": "变更", "Date": "日期",
    "No changes yet: add items to make version 1.": "还没有变更：添加条目即生成版本 1。",
    "JSON or plain text": "JSON 或纯文本", "JSON object": "JSON 对象", "fields": "个字段", "trace": "追踪",
    "Compare": "对比", "Tick two or more experiments; the first one ticked is the baseline":
    "勾选两个或更多实验；最先勾选的作为基线", "No experiments match": "没有匹配的实验", "No experiments yet": "还没有实验",
    "An experiment runs a task over a dataset and links each item to the trace of its run:":
    "实验在数据集上运行任务，并把每个条目关联到其运行的追踪：",
    "Compare experiments": "对比实验", "Baseline": "基线", "baseline": "基线",
    "Only items whose score dropped": "只看得分下降的条目", "Metric": "指标", "Mean duration": "平均耗时",
    "Median duration": "耗时中位数", "with a lower score than the baseline": "条得分低于基线",
    "No item's score dropped against the baseline": "没有条目的得分低于基线", "No items run yet": "还没有运行的条目",
    "(no output)": "（无输出）", "runs": "次运行", "not run": "未运行", "Finished": "完成时间",
    "Compare with other experiments of this dataset": "与此数据集的其他实验对比",
    "running": "运行中", "completed": "已完成", "cancelled": "已取消",
    "Template": "模板", "Structure": "结构", "Commit message": "提交说明",
    'text, or for chat a JSON list of {"role", "content"} messages; variables as {{name}}':
    '文本；聊天模板为 {"role", "content"} 消息的 JSON 列表；变量写作 {{name}}',
    "New prompt": "新建提示词", "Latest version": "最新版本", "Labels": "标签",
    "No prompts match": "没有匹配的提示词", "No prompts yet": "还没有提示词",
    "Create one with “New prompt”, or from the SDK:": "点击“新建提示词”创建，或使用 SDK：",
    "Variables": "变量", "none": "无", "New version": "新版本", "Save version": "保存版本", "Commit": "提交",
    "Message": "说明", "Remove label": "移除标签", "diff": "差异", "Set a label": "设置标签", "on": "于",
    "Set label": "设置标签", "A label points at one version: setting it on another version moves it.":
    "一个标签只指向一个版本：设到其他版本上即移动过去。", "Compare versions": "对比版本", "From": "从", "To": "到",
    "Show diff": "显示差异", "Changed": "已变更", "The two versions have the same template.": "两个版本的模板相同。",
    "Dataset (pick or type a new name)": "数据集（选择或输入新名称）", "Add to dataset": "加入数据集",
    "An identical item is already in the dataset: nothing was added.": "数据集中已有相同条目：未添加。",
    "Added to": "已加入", "added": "条已添加", "skipped as duplicates": "条重复已跳过",
    "Same as the latest version: no new version was made.": "与最新版本相同：未生成新版本。",
})
