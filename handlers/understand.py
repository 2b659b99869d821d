"""Query understanding: what the person typed → what they want.

Turns free text (any width, kanji numerals, odd dashes, polite filler, a bit of
English) into an ``Understanding``: the intent, the identifiers it names
(pledge number, initiative code, policy number, department) and a cleaned
query for retrieval. Pure functions, no index access: the caller passes the
department names it knows, so the list follows the live corpus.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import jaconv
from kanjize import kanji2number

from handlers.answer import Intent

MAX_CHARS = 300  # longer input is cut: nobody asks a 10,000-character question
PLEDGE_MAX, POLICY_MAX = 170, 48

# Dash-like characters people (and IMEs) put between the parts of a code: 1ー2ー3ー7.
_DASHES = "-‐‑‒–—―−ー－ｰ~〜～・.．"
_CODE_SEP = r"\s*[" + re.escape(_DASHES) + r"]\s*"
INITIATIVE_RE = re.compile(rf"(?<![\d.])(\d{{1,2}}){_CODE_SEP}(\d{{1,2}}){_CODE_SEP}(\d{{1,2}}){_CODE_SEP}(\d{{1,3}})(?![\d])")
THREE_PART_RE = re.compile(rf"(?<![\d.])(\d{{1,2}}){_CODE_SEP}(\d{{1,2}}){_CODE_SEP}(\d{{1,2}})(?![\d])")
CHAPTER_RE = re.compile(rf"(?<![\d.])(2){_CODE_SEP}([1-5])(?![\d])")

_DASH_TABLE = str.maketrans({c: "-" for c in "‐‑‒–—―−－﹣⁃"})
KANJI_DIGITS = "一二三四五六七八九十百"
KANJI_RUN_RE = re.compile(f"[{KANJI_DIGITS}]+")

# Words that make a nearby number a pledge number.
PLEDGE_WORDS = ("公約", "こうやく", "コウヤク", "マニフェスト", "まにふぇすと", "約束", "やくそく", "ビジョン", "項目", "pledge", "promise", "manifesto", "item")
POLICY_WORDS = ("施策", "政策", "policy")
_PLEDGE_WORD_RE = "|".join(map(re.escape, PLEDGE_WORDS))
_NUMBER_MARK = r"(?:no\.?|number|#|第|番号|の|は|って|ナンバー)?"
PLEDGE_BEFORE_RE = re.compile(rf"(?:{_PLEDGE_WORD_RE})\s*{_NUMBER_MARK}\s*(\d{{1,3}})(?!\d)", re.I)
PLEDGE_AFTER_RE = re.compile(rf"(?<!\d)(\d{{1,3}})\s*(?:番目?|ばんめ?|項目?め?|号)?\s*の?\s*(?:{_PLEDGE_WORD_RE})", re.I)
# 「15番」 names a pledge, but 110番/119番 are emergency numbers, 3番窓口 is a counter, 第6分庁舎 or 第3次計画
# (第N + a counter or noun) is a building or an edition, and 国道134号 a road.
PLEDGE_MARKED_RE = re.compile(
    r"(?:(?<![a-z])no\.?\s*|#|第)(\d{1,3})(?!\d)(?!(?![番号項])[一-鿿々ァ-ヺ])"
    r"|(?<![\d道])(?!11[09]番)(\d{1,3})\s*(?:番目?|項目め?|号)(?!\s*(?:窓口|線|地|館|出口|の家|通報))",
    re.I,
)
POLICY_RE = re.compile(r"(?:施策|政策|policy)\s*(?:no\.?|#|第|番号|の|は)?\s*0*(\d{1,2})(?!\d)", re.I)
POLICY_AFTER_RE = re.compile(r"(?<!\d)0*(\d{1,2})\s*(?:番目?)?\s*の?\s*(?:施策|政策)")
BARE_NUMBER_RE = re.compile(r"^\s*(?:no\.?|#|第)?\s*(\d{1,3})\s*(?:番目?|項目?め?|号)?\s*$", re.I)

# 「170項目のうち」「全170件中」: a number that counts the pledges, not one of them.
COUNT_RE = re.compile(r"(?<![\d第])(\d{1,3})\s*(?:項目|件|個|本)?\s*(?:の\s*(?:公約|マニフェスト|約束|取組|施策))?\s*(?:のうち|の中で|中)|(?<![\d第.#])(\d{1,3})\s*(?:項目|件|個)(?!め|目)")
# 「達成はいくつ」「何項目達成」: a count over the pledges, answered by the report's own statement.
COUNT_ASK_RE = re.compile(r"いくつ|何項目|何件|何個|幾つ|何割|何%|何パーセント|割合|how many")
ORDINANCE_ASK_RE = re.compile(r"目的|内容|趣旨|いつ|制定|施行|名前|名称|どんな|どういう|何を|なにを")
# 「ケアラー支援条例の案、議会に出したのいつ？」: a step on the way to an ordinance, not the ordinance itself.
ORDINANCE_EVENT_RE = re.compile(r"条例\S{0,2}案|議会|議案|提出|パブリックコメント|パブコメ|説明会")
# 「公約のうち何項目達成した？」「〇△✖の数」: the tally of the report's marks, even without its total (170).
TALLY_RE = re.compile(r"(?:何項目|何%|何割|何パーセント)\S{0,4}(?:達成|未達成|途中)|"
                      r"(?:達成|未達成|途中)\S{0,4}(?:は|が)?\s*(?:何項目|いくつ|幾つ|何%|何割)|[〇○][△▲]")
DEPARTMENT_HISTORY_RE = re.compile(r"課名|名前(?:が|は)?\s*変わ|(?:何|なん)て名前|名前(?:は|って)\s*(?:何|なに|なん)|昔の名前|以前の名前|"
                                   r"今は\s*(?:何|なに|どこの)課|(?:何|なに)課になって|前は\S{0,12}名前|名前だった|今の名前|いまの名前|新しい名前|前の名前|なくなった|まだある")
# 「こども相談課とこども家庭相談課ってちがうの？」: two departments compared (one may be the other's old name).
SAME_OR_NOT_RE = re.compile(r"ちが|違|同じ|おなじ|別|べつ|一緒|いっしょ|関係")
CONTACT_RE = re.compile(r"電話番号|電話|メール|連絡先|ファックス|fax|内線", re.I)

# Status words that may follow a bare number: 「15の進捗」「15は達成？」.
STATUS_WORDS = ("進捗", "状況", "達成", "結果", "評価", "どうなった", "どうなってる", "status", "progress")

# Polite filler and question frames: removed before searching. Longest first.
FILLER = sorted(
    {
        "を教えてください", "教えてください", "おしえてください", "を教えて下さい", "教えて下さい", "を教えて", "教えて",
        "おしえて", "知りたいです", "を知りたい", "知りたい", "しりたい", "についての", "について", "に関して", "に関する",
        "お願いします", "おねがいします", "ています", "います", "てます", "ている", "ました", "お願い", "ください", "下さい", "でしょうか", "ですか", "ますか", "ですが",
        "ですけど", "なんですが", "なのですが", "ありますか", "はありますか", "ありませんか", "ないですか",
        "どこですか", "どこでしょう", "はどこ", "どこ", "どちら", "なんでしょう", "なんですか", "とは", "って何", "ってなに",
        "ってなん", "は何", "はなに", "のこと", "みたいな", "ちょっと", "すみません", "すいません", "あの", "えっと",
        "かな", "かね", "ですよね", "です", "ます", "してる", "している", "されている", "していますか", "なっていますか",
        "なってますか", "なってる", "どうなった", "どうなってる", "どうなっていますか", "どうなりましたか", "はどう",
        "について知りたい", "が知りたい", "聞きたい", "ききたい", "調べて", "しらべて", "探して", "さがして",
        # 「鎌倉電力をつくるってやつ」「家の前で回収してくれるって話」: colloquial nominalisers, not the topic.
        "ってやつ", "みたいなやつ", "やつ", "って話", "っていう話", "という話",
        "please", "tell me", "about", "what is", "what's", "the", "is", "are", "of", "a", "an", "me", "i", "can",
    },
    key=len,
    reverse=True,
)

GREETINGS = (
    "こんにちは", "こんにちわ", "こんばんは", "こんばんわ", "おはよう", "はじめまして", "よろしく", "ありがとう",
    "どうも", "助かりました", "たすかりました", "助かります", "たすかります", "やあ", "ヘルプ", "へるぷ", "help", "使い方", "つかいかた", "何ができる", "なにができる", "何を聞ける",
    "何が聞ける", "メニュー", "hello", "hi", "hey", "start", "/start", "/help", "thanks", "thank you", "もしもし",
    # Everyday greetings and "what can I ask": they ask for the help text, not a search.
    "おはようございます", "ございます", "おつかれさま", "お疲れさま", "お疲れ様", "おつかれ", "お疲れ", "ごくろうさま",
    "ご苦労様", "何を聞けば", "なにを聞けば", "何をきけば", "なにをきけば", "何を聞いたら", "何聞けば", "何ができ",
    "なにができ", "何を聞いていい", "どう使う", "どうやって使う", "good morning", "what can you do", "what can i ask",
)

# Intent keywords. Each list is searched in the folded text; longest first matters only for removal.
INTENT_WORDS: dict[str, tuple[str, ...]] = {
    "who_handles": (
        "担当課", "担当部署", "担当部", "担当", "どこの課", "どの課", "何課", "なに課", "所管", "どこが担当",
        "誰が", "だれが", "どこがやって", "どこの部署", "どの部署", "who handles", "responsible", "in charge",
        "which department", "which section", "which division", "which office", "who runs", "who is in charge",
        "what department", "what section", "what division", "what office", "which team", "which unit", "which bureau",
        "who deals with", "who manages", "who oversees", "who is running", "who is responsible",
        "たんとう",
    ),
    "find_window": (
        "相談", "そうだん", "困って", "困った", "こまって", "困り", "悩み", "悩んで", "なやみ", "なやんで", "どこに行けば",
        "どこへ行けば", "どこにいけば", "どこに聞けば", "どこにきけば", "どこに連絡", "どこに電話", "誰に聞けば",
        "だれに", "払えない", "はらえない", "助けて", "たすけて", "窓口", "まどぐち", "電話番号", "連絡先", "つらい",
        "しんどい", "苦しい", "どうしたら", "どうすれば", "どうしよう", "行けない", "できない", "足りない",
        "where can i", "where should i", "help with", "who can i talk", "consult", "consultation", "advice", "talk to", "help",
        "行けなく", "いけなく", "苦しい", "苦し", "くるしい", "くるし", "心配", "不安", "されて", "された", "受けて",
        "被害に", "どこで", "どこにある", "どこにあり", "場所は", "開いて", "何時まで", "電話", "の番号",
        "殴られ", "叩かれ", "蹴られ", "怒鳴られ", "暴力", "いじめられ", "だまされ", "騙され", "where is", "where's",
        "who should i", "who do i", "who can help", "contact",
    ),
    "ordinance": ("条例", "じょうれい", "条令", "ordinance", "bylaw"),  # 条令: a common mis-writing
    "kpi": ("指標", "目標値", "kpi", "数値目標", "成果指標", "達成目標", "目標数値", "しひょう", "indicator", "target",
            "実績値"),
    "pledge_status": ("公約", "こうやく", "マニフェスト", "まにふぇすと", "pledge", "manifesto", "未来ビジョン", "選挙の約束", "約束",
                      # English speakers say the mayor's "promise" more often than "pledge"
                      "promise", "promises", "promised", "pledges", "pledged"),
}
# Words removed from the retrieval query because they name the question, not the topic.
INTENT_NOISE = (
    "担当課", "担当部署", "担当部", "担当", "どこの課", "どの課", "何課", "所管", "どこが担当", "誰が", "だれが",
    "どこの部署", "どの部署", "どこに行けば", "どこへ行けば", "どこにいけば", "どこに聞けば", "どこにきけば",
    "どこに連絡", "どこに電話", "誰に聞けば", "どうしたら", "どうすれば", "どうしよう", "いいですか", "いい",
    "よいですか", "よい", "良い", "の進捗", "進捗状況", "進捗", "の状況", "状況", "目標値", "指標", "kpi", "数値目標",
    "成果指標", "who handles", "which department", "where can i", "where should i", "go", "get", "help with",
    "who can i talk", "talk to", "in charge", "responsible", "which division", "which office", "who runs", "runs", "for", "with", "to", "do", "does", "my", "how",
    "取組", "取り組み", "とりくみ", "where is", "office",
)

# 「借りたい」「相談したい」「預けられるところ」: someone looking for help or a place to go.
WANT_RE = re.compile(r"(?<!知り)(?<!聞き)(?<!しり)(?<!きき)たい(?:です|んです|のですが|んですが|んですけど|んだけど|けど)?"
                     r"(?:[。?？!！、\s]|$)|(?:ほしい|欲しい)|"
                     r"(?:る|える|れる|める|せる|ける|げる|べる|きる)(?:ところ|所|場所)")
# 「どこ行けばいい」「どこに知らせたら」「どうやったら使える」: asking where to go or how to start, in any wording.
GO_RE = re.compile(r"どこ[にへで]?(?:行|い|聞|き|連絡|電話|知らせ|相談|申し?込|届け|頼)|"
                   r"(?:もうしこみ|しんせい|そうだん|といあわせ)(?:さき|まどぐち)?\s*(?:は|って)?\s*どこ|"
                   r"どう(?:やったら|やって|すれば|したら)(?:使|つか|利用|申し?込|受け|相談|頼)|"
                   r"(?:申し?込み?|申請|相談|問い?合わせ|届け?出?)(?:先|窓口)?\s*(?:は|って)?\s*どこ")
# 「相談できる？」「相談先ある？」「申込みはどこ？」「Who should I contact?」: the person asks where to go, whatever
# else the question says (「〜って言ってる」 is then their situation, not a pledge's progress).
WHERE_TO_GO_RE = re.compile(
    r"相談(?:でき|に乗|にの|したい|先|窓口|する(?:ところ|所|場所))|窓口(?:は|って|が)?\s*(?:ある|あり|どこ)|"
    r"(?:申し?込み?|申請|問い?合わせ)(?:先|窓口)?\s*(?:は|って)?\s*どこ|どこ[にへで]?(?:相談|行けば|聞けば|連絡)|"
    r"誰に(?:相談|聞け|言え)|(?:手伝って|助けて|支えて|見て|みて)(?:くれる|もらえる)\s*(?:とこ|所|ところ|場所|窓口|団体)|"
    r"who (?:should|do|can) i (?:contact|ask|talk|call)|where (?:can|do|should) i (?:get help|go|ask|apply)",
    re.I,
)
# 「出生数の目標」「受診率の目標は」: a figure and its target → a plan indicator.
KPI_RE = re.compile(r"(率|割合|数|件数|人数)[のは]?\s*(目標|実績|現状|推移)|(率|割合)\s*[はって?？]*$")
# 「どうなった」「結局やったの？」「どこまで進んでる？」「〜って言ってたよね」「制定された？」: the progress of
# something promised. Whether it is a pledge is decided against the pledges (the assistant checks the topic).
STATUS_CUE_RE = re.compile(
    r"どうなった|どうなって(?:る|い)|結局|けっきょく|どこまで進|進んで(?:る|いる|います|ます)|"
    # (「働きたいって言ってる」 is a family member's wish, not something promised)
    r"(?:何か|なにか)(?:した|やった)|(?<!たい)って(?:言って|いって|話|約束)(?:た|る|ました|います)?(?:よね|よな|っけ|けど)?|"
    r"(?<!たい)と(?:言って|いって)(?:た|まし|い)(?:た|よね|っけ)?|"
    r"(?:keep|kept|keeping)\s+(?:his|her|the|their|that)\s+promise|did the mayor|has the mayor|what happened to",
    re.I,
)
# 「〜ってできたの？」「〜は実現した？」「〜ってやったの」: was the promise kept. Not for ordinances (「〜の条例は
# できた？」 is an ordinance question, see ENACTED_CUE_RE) nor for 「いつできた」 (a date).
# 「スタートしたの？」「始まったの？」「ぜんぶ終わった？」「進んだ？」 (yes or no, not いつ) ask the same.
KEPT_CUE_RE = re.compile(r"(?:(?:でき|実現し|やっ|スタートし|始まっ|はじまっ|終わっ|おわっ)た|進んだ)(?:の|ん)?\s*(?:です|でしょう)?(?:か|[?？]|$)|"
                         r"(?:成果|効果|実績)(?:は|って)?\s*(?:あった|出た|でた)")
# Words around a progress question that are not its topic: who promised (市長) and how much (ぜんぶ, ちゃんと).
PROGRESS_FILLER_RE = re.compile(r"市長|結局|けっきょく|ぜんぶ|全部|すべて|ちゃんと|きちんと|もう|本当に|ほんとに|ほんとうに")
# 「〜条例は制定された？」 (yes or no, not いつ): the promise to make it, when no ordinance of that name exists.
ENACTED_CUE_RE = re.compile(r"(?:(?:制定|策定)(?:された|され|した)|(?:作った|つくった|作られた|できた))\s*(?:の|か)?\s*[?？]")
# A department and "what do they do": 何を担当してる, 所管事業, 何かしてるの, どんな事業を持ってる, 担ってる取組.
DEPARTMENT_ASK_RE = re.compile(
    r"(?:何|なに|どんな|どういう|どのような)(?:か|を|が)?\s*(?:担当|担って|やって|して|持って|所管|受け持)|"
    r"所管(?:事業|業務|する)|担って(?:る|いる)|(?:どんな|どういう|どのような)(?:事業|政策|施策|取組|仕事|業務|役割)|"
    r"役割|業務内容|事業内容|の所管(?:は|って)?\s*[?？]?$|(?:の|って)\s*しごと|"
    # 「観光課がやってる福祉っぽい事業ある？」「農水課って福祉の事業もってるの？」「何をすることになってる」
    r"(?:事業|取組|取り組み)(?:って|は|を|も)?\s*(?:ある|あり|持って|もって|やって)|"
    r"(?:持って|もって)(?:る|いる)\s*(?:事業|取組|取り組み|業務|仕事)|(?:何|どこの|どの)\s*(?:部|局)|所属|"

    r"やって(?:る|いる)\S{0,8}(?:事業|取組|取り組み)|(?:何|なに)を\s*(?:する|やる)ことに|"
    # 「〜の担当事業を一覧で」「どんなことをしてるところ？」「〜が関わってる事業は？」「何をする課？」
    r"担当(?:する|して(?:る|いる))?(?:事業|業務|取組|施策)|(?:どんな|どういう|どのような)こと(?:を|が)?\s*(?:して|やって|担当)|"
    r"(?:関わって|携わって|かかわって)(?:る|いる)|(?:何|なに)を?\s*(?:する|している|してる)\s*(?:課|部|室|係|所|ところ)|"
    # English, with the department's name taken out: "What does the ___ (community ties division) handle?",
    # "What is ___ responsible for?", "What kind of work does ___ do?"
    r"(?i:\bwhat\b.{0,60}?\b(?:do|does|doing|handle|handles|work on|works on|deal with|deals with|cover|covers|"
    r"take care of|responsible for|in charge of|manage|manages|run|runs)\b|\b(?:role|roles|responsibilities|duties|remit)\b)"
)
# 「このボットで何ができるの？」「はじめて使います」: asking what this service is, not a topic.
HELP_RE = re.compile(
    r"(?:ボット|bot|チャット|このサービス|このアプリ|このシステム|このline|このライン|あなた|君|きみ|(?:^|[。！!、\s])(?:これ|ここ))"
    r"\S{0,6}?(?:何|なに)(?:が|を)?\s*(?:でき|聞け|きけ|わか)|"
    # 「はじめまして。どうやって質問すればいい？」「どうやって使えばいいの？」 said with no topic before it
    r"(?:^|[。！!])\s*(?:どうやって|どうやったら|どのように)\s*(?:質問|聞け|きけ|聞い|使え|つかえ|使う|つかう|使った)|"
    r"(?:はじめて|初めて)(?:使|つか|利用)|できること(?:の)?(?:一覧|を(?:教え|見せ))|"
    # 「使い方を教えて」 said alone (not 「〜の使い方」 of a service), 「ここで質問していいですか」
    r"(?:^|[\s、。!！?？]|(?:ボット|bot|チャット|このサービス|このアプリ|このシステム)の)(?:使い方|つかいかた)|"
    r"ここ(?:で|に)(?:は)?\s*(?:質問|聞い|きい)(?:して|しても|ても)?(?:も)?\s*(?:いい|よい|良い|大丈夫|でき)|"
    r"what (?:can|do) (?:you|this (?:assistant|bot|service)) do|"
    r"what (?:kinds? of |sorts? of )?(?:questions|things|topics) (?:can|do) (?:you|i)|how (?:do|can) i use (?:this|you)|"
    r"what can i ask|(?:どんな|どういう|何の|なんの)(?:こと|質問|話)(?:に|を|が)?\s*(?:答え|こたえ|聞け|きけ)|"
    r"(?:どんな|どういう|何の|なんの)質問(?:が|を|なら|だと)?\s*(?:でき|すれば|したら|していい|答え|こたえ)|"
    # 「ほかに何ができるんですか？」「いろいろ聞いてもいいですか？」 with no topic of their own
    r"(?:^|[。、！!\s])(?:ほかに|他に)\s*(?:何|なに)が\s*(?:でき|聞け|きけ)|"
    r"(?:いろいろ|色々|ちょっと|少し)\s*(?:聞いて|きいて|質問して)(?:も)?\s*(?:いい|良い|よい|大丈夫)",
    re.I,
)
# A person's situation and "is there help / where do I apply": 支援はありますか, 相談先ある？, 申込先は, 制度は,
# 頼めるしくみは, 居場所ってある？ — a window is asked for even without 相談 or 窓口.
WINDOW_ASK_RE = re.compile(
    r"(?:支援|援助|相談先|申込先|申し?込み?先|問い?合わせ先|制度|しくみ|仕組み|居場所|預け先)\s*(?:って|は|が|とか|など|みたいなの|のような)?\s*(?:あり|ある|ない|ありません|ないか)|"
    r"(?:相談先|申込先|申し?込み?先|問い?合わせ先|連絡先|制度|しくみ|仕組み)\s*(?:は|って)?\s*[?？]?$|"
    r"どこ[にへで]?(?:話|問い?合わせ|持って|頼|申請)|"
    r"(?:くれる|もらえる|できる|いける|行ける)\s*(?:とこ|所|ところ|場所|窓口|団体|機関)\s*(?:って|は|が)?\s*(?:ある|あり|ない|[?？]?$)|"
    # 「産後ケアって使えるの？」「市で貸してもらえるって本当？」「見舞金が出ると聞いた」: can I get this service
    r"(?:使え|利用でき|貸して(?:もらえ|くれ)|借りられ|受けられ|もらえ|出)る(?:の|って|と)\s*(?:[?？]|$|本当|ほんと|聞い|きい)|"
    r"(?:ケア|サービス|制度|窓口|支援|場所|居場所)が\s*ある(?:って|と)\s*(?:聞い|きい)|"
    r"(?:とこ|ところ|場所|しくみ|仕組み|制度)[、,\s]?\S{0,8}?(?:ある|あった)(?:よね|っけ|はず|[?？])|"
    r"(?:払え|返せ|働け|通え|暮らせ|生活でき|食べていけ|暮らしていけ)(?:そうに|そうも)?(?:ない|なく|ません)|限界|"
    # 「泊まりで休める産後ケアってありますか」: whether a service exists
    r"(?:ケア|サービス|教室|講座|サロン|相談|窓口|制度|手当|助成|補助|給付)\s*(?:って|は|とか)\s*(?:あり|ある)(?:ます)?(?:か|の)?\s*[?？]?$|"
    # 「少しずつ働く準備から支援してもらえる制度を探してます」: looking for a service
    r"(?:制度|しくみ|仕組み|支援|窓口|相談先|ところ|所|場所)を\s*(?:探して|さがして)|"
    # English: "Is there any support for …", "How do I apply for …", "Who can check on her", "Can the city arrange …",
    # "I need someone to …": a person asking for a service or a place to go.
    r"(?i:\bis there (?:any|an?|some)?\s*(?:[\w-]+\s+){0,4}?(?:support|help|care|services?|programs?|places?|phone|"
    r"hotline|helpline|line|cent(?:er|re)|consultation|advice|assistance|subsid(?:y|ies)|allowance|benefits?|someone|"
    r"anyone|somewhere|anywhere|someplace)\b|"
    r"\bhow (?:do|can|should|could) (?:i|we) (?:get|apply|find|sign up|register|arrange|cancel|report|use|borrow|"
    r"receive|contact)\b|\bwho (?:can|could|will) (?:help|check|advise|support|look after|visit|come)\b|\bwho helps\b|"
    r"\bcan (?:the city|someone|anyone|somebody) (?:help|arrange|check|visit|look|come)\b|"
    r"\b(?:i|we) need (?:someone|somebody|help|advice|support)\b|\bwho (?:can|should|do) (?:i|we) (?:ask|contact|call|"
    r"talk|turn|see)\b|\bwhere (?:do|can|should|could) (?:i|we)\b|\bwhat should (?:i|we) do\b)"
)
# 「居住支援協議会を支援してる課」「実証実験してるのはどこ」: who carries out an initiative, not where to go.
DOING_DEPARTMENT_RE = re.compile(r"(?:して|やって|進めて|推進して|実施して|行って|持って|作って|つくって|なって)(?:る|いる)(?:の)?\s*"
                                 r"(?:課|部署|部局|のは)(?:は|って)?\s*(?:どこ|[?？]|$)|"
                                 # 「協力の窓口になっている課はどこですか」: a department is asked for, not a window
                                 r"(?:課|部署)(?:は|って)\s*(?:どこ|何|なに)")
# 「どこの課に行けばいい」「where do I ask」: a person going somewhere to ask is pointed to a window, even when
# the question says 課 (「〜はどこの課？」 without going stays who_handles).
GO_ASK_RE = re.compile(r"どこ(?:の(?:課|部署|窓口))?[にへさ]?(?:行け|行った|行く|いけ|いった|聞け|きけ|言え|いえ|知らせ|しらせ)|"
                       r"まずどこ|(?:申請|申し込み|申込|手続き)(?:について|のこと|の仕方|方法)\S{0,3}(?:聞きたい|知りたい|教えて)|"
                       # 「私らが死んだあと誰が管理してくれるのか」: who will help, not which department
                       r"(?:誰|だれ)が\S{0,10}?[てで](?:くれる|もらえる)|どこか(?:で|に)\S{0,6}?[てで](?:くれ|もらえ)|"
                       # 「どこにつなげばいい」 (a helper passing a person on), 「申請はどこの課？」 (going to apply)
                       r"どこ(?:に|へ)?\s*(?:つなげ|繋げ|つなぐ|繋ぐ|紹介すれ|言うた|いうた|言った|いった)|"
                       r"(?:申請|申し込み|申込|手続き)(?:は|って)\s*どこ|"
                       r"where (?:do|should|can) (?:i|we) (?:go|ask|report|get|find|apply|turn|sign up|register|call)", re.I)
# 「最新値と目標」「相談件数を減らす目標」: an indicator's value and target.
KPI_ASK_RE = re.compile(r"(?:最新値|現状値|実績値|直近値|現在値)\S{0,3}目標|目標\S{0,3}(?:最新値|現状値|実績)|"
                        r"(?:率|割合|数|件数|人数)を?(?:減らす|増やす|下げる|上げる|高める|低くする|伸ばす)目標")
# 「担当課」「どこの課」 ask for a department by name: they outrank a department written in the question.
STRONG_WHO = ("担当課", "どこの課", "どの課", "何課", "なに課", "担当部署", "どこの部署", "どの部署", "which department")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
# Whoosh query syntax and other symbols that carry no meaning in a question.
SYNTAX_RE = re.compile(r"[*?()\"'“”‘’:~^\[\]{}<>|\\/+=!！？?、。，,．.;；「」『』【】〔〕（）・…★☆◆◇■□●○◎※♪&%$@`]")
_SYNTAX_WORDS_RE = re.compile(r"(?<![A-Za-z])(AND|OR|NOT|TO)(?![A-Za-z])")
EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\ufe0f\u200d\u2190-\u21ff\u2300-\u23ff\u2b00-\u2bff]"
)
SPACE_RE = re.compile(r"\s+")


@dataclass
class Understanding:
    raw: str
    text: str  # normalised (NFKC, no control characters, bounded length)
    query: str  # topic words for retrieval: filler and intent words removed
    intent: Intent
    pledge_number: int | None = None
    initiative_code: str | None = None
    policy_number: int | None = None
    department: str | None = None
    section_code: str | None = None  # 3-part code: 目標-(n)-① or a KPI chapter item
    chapter: str | None = None  # 2-1 … 2-5
    english: bool = False
    crisis: bool = False  # words of wanting to die: the answer is care first
    outside: bool = False  # asks about something the service never answers (OUTSIDE_RE): food, sightseeing…
    figure: bool = False  # asks for a number (何人, 何％, どのくらい): facts and indicators answer it
    keywords: list[str] = field(default_factory=list)  # intent keywords that were seen
    status_cue: bool = False  # asks how something promised is going: a pledge when one matches the topic
    enacted_cue: bool = False  # 「〜は制定された？」: a promise to make it, unless such an ordinance exists
    count: bool = False  # asks how many pledges (達成はいくつ): the report's own statement, not one pledge
    asks: tuple[str, ...] = ()  # kinds of fact asked for (date, number, meaning, trend, survey): see FACT_CUES
    goes: bool = False  # asks where to go or whom to contact (相談できる？, 申込みはどこ, who should I contact)

    @property
    def empty(self) -> bool:
        return not self.query.strip()


def normalize(text: str) -> str:
    """NFKC, control characters and emoji out, dashes between digits unified, bounded length."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[: MAX_CHARS * 4]
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_DASH_TABLE)  # minus signs and dashes are symbols, but people type them in codes
    text = CONTROL_RE.sub(" ", text)
    text = EMOJI_RE.sub(" ", text)
    # Drop characters that are neither letters, digits, marks, punctuation nor spaces (symbols, private use…)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LNMPZ" or ch in "#-~〜")
    text = SPACE_RE.sub(" ", text).strip()
    return text[:MAX_CHARS]


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """A matching key: NFKC, lower case, hiragana → katakana (けあらー meets ケアラー).

    Cached: the same names, keywords and titles are folded for every question."""
    return jaconv.hira2kata(plain_key(text))


def kanji_numbers(text: str) -> str:
    """Kanji numerals that sit next to a pledge/policy word (or are the whole query) become digits.

    「公約十五」→「公約15」, 「十五番」→「15番」, but 「一人暮らし」 and 「二千人雇用」 stay as written.
    """
    context_before = ("公約", "マニフェスト", "項目", "第", "施策", "政策", "no", "No", "番号", "の")
    context_after = ("番", "項", "号", "の公約", "のマニフェスト")

    def replace(match: re.Match) -> str:
        run = match.group(0)
        before = text[max(0, match.start() - 6) : match.start()].rstrip()
        after = text[match.end() : match.end() + 6].lstrip()
        whole = not text[: match.start()].strip() and not text[match.end() :].strip(" ?？は")
        near_word = any(before.endswith(w) for w in context_before if w != "の") or (
            before.endswith("の") and any(w in before for w in ("公約", "マニフェスト", "施策", "政策"))
        )
        # 「一番多かった」「一番近い」: 一番 is "the most", not pledge 1
        most = run == "一" and after.startswith("番") and not after.startswith(("番の公約", "番目")) and not near_word
        if not most and (whole or near_word or after.startswith(context_after)):
            try:
                return str(kanji2number(run))
            except Exception:  # kanjize rejects odd runs such as 十十; leave them as text
                return run
        return run

    return KANJI_RUN_RE.sub(replace, text)


# Numerals spelled in hiragana (こうやくじゅうきゅう): each reading → its kanji, then kanjize reads the run.
_KANA_DIGITS = {
    "いち": "一", "いっ": "一", "にー": "二", "に": "二", "さん": "三", "よん": "四", "し": "四", "ごー": "五", "ご": "五",
    "ろく": "六", "ろっ": "六", "なな": "七", "しち": "七", "はち": "八", "はっ": "八", "きゅう": "九", "く": "九",
    "じゅう": "十", "じゅっ": "十", "ひゃく": "百", "びゃく": "百", "ぴゃく": "百",
}
_KANA_DIGIT_RE = "|".join(sorted(_KANA_DIGITS, key=len, reverse=True))
KANA_NUMBER_RE = re.compile(
    rf"(?P<word>{_PLEDGE_WORD_RE}|施策|政策|せさく|せいさく|ばんごう)\s*(?:の|は|ばん)?\s*(?P<run>(?:{_KANA_DIGIT_RE})+)"
    r"(?=ばん|ごう|の|は|って|どう|たっせい|達成|しんちょく|進捗|$|[\s?？!！。、])"
)

# 「ななじゅういちばんの公約」: the numeral before 番 and a pledge word.
KANA_NUMBER_BEFORE_RE = re.compile(
    rf"(?<![ぁ-ゖ])(?P<run>(?:{_KANA_DIGIT_RE})+)(?=\s*(?:ばん|番)(?:め|目)?\s*の?\s*(?:{_PLEDGE_WORD_RE}))"
)


# 「なな じゅう に ばん」: a numeral spelled in kana words with spaces between them (whole words only).
_SPACED_NUMERAL_RE = re.compile(rf"(?<![ぁ-ゖ])(?:{_KANA_DIGIT_RE})+(?:[ \u3000]+(?:{_KANA_DIGIT_RE})+)+(?![ぁ-ゖ])")


def kana_numbers(text: str) -> str:
    """A numeral spelled in hiragana right after a pledge/policy word becomes digits: こうやくじゅうきゅう → こうやく19."""
    text = _SPACED_NUMERAL_RE.sub(lambda m: re.sub(r"[ \u3000]+", "", m.group(0)), text)

    def replace(match: re.Match) -> str:
        run = match.group("run")
        kanji = re.sub(_KANA_DIGIT_RE, lambda m: _KANA_DIGITS[m.group(0)], run)
        try:
            number = kanji2number(kanji)
        except Exception:  # not a numeral after all (こうやくにつくて…): leave the text alone
            return match.group(0)
        return match.group(0)[: match.start("run") - match.start()] + str(number)

    return KANA_NUMBER_BEFORE_RE.sub(replace, KANA_NUMBER_RE.sub(replace, text))


# Regional endings → standard Japanese, so intent words and the plan vocabulary match (〜へん, 〜しとる, 〜やけん).
# Only endings and particles whose standard form is certain; the topic words are left as written.
DIALECT = (
    (re.compile(r"(?<=[かがさざただなばまらわえけせてねべめれこ])へん(?=[かよでねなのけやわ。、?？!！\s]|$)"), "ない"),
    (re.compile(r"(?<=[かがただなばまらわり])ん(?=けど|から|ので|のに)"), "ない"),  # not さん (事業者さんから)
    # 行かん / 学校いかん / 分からん / 知らん at a phrase end: a verb's a-row stem after a kanji (or the い of
    # いく, いらん) then ん is a negation. Not after さ (田中さん) or が (胃がん), which are words of their own.
    (re.compile(r"(?<=[一-龥い][かたばまらわ])ん(?=$|[。、?？!！\s]|よ|ね|し|くて|ように|ようにな|ようなっ)"), "ない"),
    (re.compile(r"しとる|しとう|しよる|しちょる|しちょう"), "している"),
    # 払えねぇ / 金がねぇ / できねぇ (East Japan): a negation after an e-row stem or が, not a sentence-final ねぇ.
    (re.compile(r"(?<=[えけげせぜてでねへべぺめれきがい])ねぇ(?=[。、?？!！\s]|べ|し|から|よ|んだ|$)"), "ない"),
    (re.compile(r"(?<=[てで])(?:とる|ちょる)|(?<=[っ])とる"), "いる"),
    (re.compile(r"やけん|じゃけん|だけん|やき(?=[、\s])|さかい"), "だから"),
    # 払えん / 行けん (Kyushu, Chugoku): an e-row potential stem after a kanji then ん is a negation
    (re.compile(r"(?<=[一-龥][えけせてねめれげべ])ん(?=ごと|けん|し|と|[。、?？!！\s]|$)"), "ない"),
    (re.compile(r"どげん|どがん|どないして|どないしたら"), "どう"),
    (re.compile(r"っちゃけど|っちゃけん|んやけど|んじゃけど"), "んだけど"),
    (re.compile(r"ばってん"), "けど"),
    (re.compile(r"(?<=[ればら])よか(?=[?？。!！\s]|ね|と|$)|(?<=[てで])ええ(?=[のん?？。か\s]|$)|(?<=ら)ええ"), "いい"),
    (re.compile(r"しもた|しもうた|しもて(?=ん)|しもてん"), "しまった"),
    (re.compile(r"(?<=[一-龥])ば(?=[一-龥])"), "を"),  # 家ば出て (Kyushu object particle)
    (re.compile(r"ほんま"), "本当"),
    (re.compile(r"あかん"), "だめ"),
)


def standardize(text: str) -> str:
    for pattern, standard in DIALECT:
        text = pattern.sub(standard, text)
    return text


# Asks this service never answers: food and shops, sightseeing, timetables and crowds, weather, hotels. None of
# these words occurs in the city's documents (tests check it), so a question made of them gets 「わかりません」 and
# what we can answer, not a loosely related pledge about 観光 or 鎌倉駅 (大仏の拝観料, 江ノ電の終電, 海鮮丼の店).
OUTSIDE_RE = re.compile(
    r"ラーメン|丼|ランチ|ディナー|グルメ|おいし|美味し|飲食店|レストラン|居酒屋|食べ歩き|お土産|おみやげ|スイーツ|寿司|"
    r"拝観|参拝|御朱印|観光スポット|見どころ|紅葉|あじさい|紫陽花|花火|初詣|"
    r"終電|始発|時刻表|最終(?:電車|便|バス)?(?:は|って)?\s*何時|何時発|混む|混んで|混みます|天気|気温|降水|"
    r"雨(?:が|は)?\s*(?:降|ふ|[?？]|$)|晴れ|ホテル|旅館|お店|プレゼント|誕生日|(?:ごみ|ゴミ)の日|燃え(?:る|ない)(?:ごみ|ゴミ)|投票日|投票所|期日前投票|(?:大仏|寺|神社|八幡宮)(?:さん|様)?(?:って|て|は)\s*何時|"
    r"何分|行き方|道順|徒歩で|安い駐車場|駐車場(?:は|って)?(?:ある|空いて)|駐車料金|ramen|restaurant|weather|hotel|temple|shrine|sightseeing|timetable", re.I)
# … unless the question also speaks of what we do hold (公約, 条例, 窓口, 相談, 福祉, 車いす…).
OURS_RE = re.compile(r"相談|支援|福祉|介護|障害|障がい|子育て|公約|マニフェスト|条例|担当|窓口|施策|取組|取り組み|"
                     r"対策|補助|助成|手当|制度|計画|市役所|バリアフリー|車いす|車椅子|高齢|こども|子ども|働|"
                     r"保育|人口|世帯|生活|認知症|ひきこもり|引きこもり|虐待|妊娠|出産|育児|不登校|いじめ|家賃|住まい")


# First-person words of wanting to die: answered with care before anything else (never 自殺対策 or 自殺死亡率).
CRISIS_RE = re.compile(
    r"死にたい|しにたい|死のうと|死んでしまいたい|死にたく|消えたい|きえたい|消えてしまいたい|いなくなりたい|"
    r"生きていたくない|生きるのがつらい|生きるのが辛い|生きている意味|自殺(?:し|を考え|しよう|したい|未遂)|じさつ|"
    # English: a person who wants to die or is suicidal (theirs or a relative's words), never the policy words
    # "suicide prevention" / "suicide rate" that staff ask about.
    r"suicidal|(?:commit|committing|attempted|attempting)\s+suicide|suicide\s+(?:attempt|note|hotline|helpline)|"
    r"(?:thinking|thought|thoughts)\s+(?:about|of)\s+(?:suicide|killing)|"
    r"kill(?:ing)?\s+(?:myself|himself|herself|themselves|yourself)|(?:want|wants|wanted|wanting)\s+to\s+die|"
    r"(?:end|take)\s+(?:my|his|her|their)\s+(?:own\s+)?life|(?:don[’']?t|do\s+not|doesn[’']?t)\s+want\s+to\s+live|"
    r"no\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living)",
    re.I,
)
# How many / how much, as people ask for a figure (shared by FIGURE_RE and the "number" fact cue).
HOW_MANY = r"何人|なんにん|何件|なんけん|何[%％]|何パーセント|なんパーセント|何割|何世帯|何か所|何箇所|何日間|何か月|何ヶ月|何年間"
HOW_MUCH = r"どのくらい|どれくらい|どれぐらい|どのぐらい"
# A question asking for a figure (how many, what percent): the plan's facts and indicators answer it.
FIGURE_RE = re.compile(
    rf"{HOW_MANY}|何ヶ所|何カ所|何年から|何年まで|何年度|いつから|いつまで|{HOW_MUCH}|どの程度|"
    r"(?:率|割合|人数|件数|世帯数|人口)(?:は|って|が)?(?:どう|何|なん|いくつ|いくら|[?？]|$)|"
    r"how many|how much|what percent|percentage|what share|what proportion|how often",
    re.I,
)

# What kind of fact a question asks for: a record stating that kind of fact answers it better than a window
# or an initiative that only shares the topic word (the assistant checks the record's text for it).
FACT_CUES = (
    ("date", re.compile(r"いつ|何年|なんねん|何月|何日|始まった|はじまった|始めた|できた日|制定された日|開設|開始|when", re.I)),
    ("number", re.compile(rf"(?:利用[者社]|相談|参加者|登録者|受付)(?:件)?数|件数|{HOW_MANY}|{HOW_MUCH}|how many|percent", re.I)),
    ("meaning", re.compile(r"どういう意味|意味は|意味って|とは[?？]?$|って(?:なに|何|なん)(?:ですか|なの|[?？]|$)|定義|what is|meaning|"
                           r"(?:どういう|どんな|どのような)(?:立場の)?(?:人|ひと|方|もの|制度|仕組み|しくみ|団体|役割|子|こども|家庭|状態|こと)|"
                           r"(?:の|を)こと(?:を)?(?:言う|いう|指す|さす)", re.I)),
    ("trend", re.compile(r"増えて|減って|ふえて|へって|増加|減少|推移|変化|傾向|増えた|減った")),
    ("survey", re.compile(r"アンケート|調査結果|市民調査|意識調査|survey|"
                          r"(?:いちばん|一番|最も)\s*多く?\S{0,3}(?:挙げ|あげ|選ば|選ん|回答|答え)|(?:アンケート|調査)で", re.I)),
    ("place", re.compile(r"どこで\S{0,3}(?:開かれ|開催|行われ|実施|やっ)|会場|場所は|where was", re.I)),
)

# 「…アンケート結果」「調査では？」: what a survey found, even when the question says 相談 (not a window).
SURVEY_ASK_RE = re.compile(r"(?:アンケート|調査)(?:の)?(?:結果|では|で\S{0,6}(?:多|少|高|低)|によると)")


SURVEY_WORD_RE = re.compile(r"アンケート|調査|回答")
# 「〜っていつオープンした？」: when something began is a fact of the plan, even when a window is named.
OPENED_ASK_RE = re.compile(r"いつ(?:頃|ごろ)?\S{0,4}?(?:オープン|開設|開所|開館|設置|開始|始ま|はじま|でき|作られ|つくられ|創設)")


# 「商工課です。」「【道路課】」: a member of staff saying who is asking; that department is not the topic.
SELF_INTRO_RE = re.compile(r"^\s*(?:【[^】]{1,15}(?:課|部|室|係)】|[^\s、。!?！？]{1,15}(?:課|部|室|係)(?:の者)?です(?:が)?[。、,\s])\s*")
# 「生活費がもうない」「お金が全然足りない」: a degree word between a subject and what is said of it; without it
# the phrase reads as people usually say it (生活費がない), so the vocabulary and cue patterns meet it.
DEGREE_RE = re.compile(r"(?:(?<=から)|(?<=[がはもをに]))(?:もう|全然|ぜんぜん|まったく|全く|ちっとも|ほとんど)(?=[^\s、。!?！？])")
KANA_SPACES_RE = re.compile(r"(?<=[ぁ-ゖー])[ \u3000]+(?=[ぁ-ゖー])")
# 「担当している方」「受け持ちの利用者」: a social worker speaking of a client, not asking who is in charge.
CARER_OF_RE = re.compile(r"(?:担当|受け持ち|うけもち)(?:して|し)?(?:い)?る?\s*の?\s*(?=方|人|ケース|利用者|子|家庭|世帯|高齢者)")
# 「どこで開いてますか」「どこにあるの」: where a window is, now.
WINDOW_WHERE_RE = re.compile(r"どこで(?:開いて|やって|受け付けて)|どこにあ|場所は|何時まで|いつ開いて")
# 「連絡会はいつどこで開かれた？」「会場はどこだった？」「取りかかったのは何年？」「利用者数と1日平均」: a fact of the
# past or a count the documents record, even when a window is named (where to go is not asked).
PAST_FACT_RE = re.compile(r"(?:いつ|どこ)\S{0,3}(?:開かれ|開催さ|行われ|実施さ|やった|行った|おこなった|開いた)|会場(?:は|って)?\s*(?:どこ)?|日時と|"
                          r"(?:のは|は)何年(?:度)?(?:ごろ|頃)?(?:[?？]|$|です|だっ|なの)|(?:利用[者社]|参加者|登録者|相談件)数|"
                          r"どこか(?:に|で)(?:出て|書いて|載って|話題|言って)|[たっ]の(?:は|って)?\s*いつ")


ASKS_WHEN_RE = re.compile(r"いつ|何年|なんねん|何月|何日(?!間)|when", re.I)


def fact_cues(text: str) -> tuple[str, ...]:
    """The kinds of fact the (normalised) question asks for, e.g. 「いつ始まった」 → ("date",)."""
    cues = tuple(name for name, pattern in FACT_CUES if pattern.search(text))
    if "number" in cues and "date" in cues and not ASKS_WHEN_RE.search(text):
        # 「開設1年目の利用者数」: 開設 says which period; the count is what is asked.
        cues = tuple(c for c in cues if c != "date")
    return cues


def strip_cues(text: str) -> str:
    """The question without its fact-cue words: what it is about, not what it asks (「いつ始まった」 goes)."""
    for _, pattern in FACT_CUES:
        text = pattern.sub(" ", text)
    return SPACE_RE.sub(" ", text).strip()


def unify_codes(text: str) -> str:
    """1ー2ー3ー7 / 1－2－3－7 / 1 - 2 - 3 - 7 → 1-2-3-7 (only between digits)."""
    return re.sub(r"(?<=\d)\s*[" + re.escape(_DASHES) + r"]\s*(?=\d)", "-", text)


def is_english(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isascii() for ch in letters) / len(letters) > 0.8


def _in_range(value: str | None, high: int) -> int | None:
    if value is None:
        return None
    number = int(value)
    return number if 1 <= number <= high else None


def find_pledge_number(text: str) -> int | None:
    """A pledge number when the text names one: 公約15, 15番の公約, マニフェスト15, No.15, 15番, or just 15.

    A number that counts (170項目のうち, 全170件) is not a pledge: 「170項目のうち63番目」 names 63."""
    if COUNT_RE.search(text):
        text = COUNT_RE.sub(" ", text)
        marked = PLEDGE_MARKED_RE.search(text)
        if marked:  # 番/番目/No./号/第 mark the number that is asked about
            return _in_range(marked.group(1) or marked.group(2), PLEDGE_MAX)
    for pattern in (PLEDGE_BEFORE_RE, PLEDGE_AFTER_RE):
        match = pattern.search(text)
        if match and (number := _in_range(match.group(1), PLEDGE_MAX)):
            return number
    if any(w in text for w in POLICY_WORDS):
        return None
    match = PLEDGE_MARKED_RE.search(text)
    if match and (number := _in_range(match.group(1) or match.group(2), PLEDGE_MAX)):
        return number
    bare = strip_filler(text)
    for word in STATUS_WORDS:
        bare = bare.replace(word, " ")
    match = BARE_NUMBER_RE.match(bare.strip(" のはをって?？!！。、"))
    if match:
        return _in_range(match.group(1), PLEDGE_MAX)
    return None


def find_policy_number(text: str) -> int | None:
    for pattern in (POLICY_RE, POLICY_AFTER_RE):
        match = pattern.search(text)
        if match and (number := _in_range(match.group(1), POLICY_MAX)):
            return number
    return None


@lru_cache(maxsize=256)
def _removal(words: tuple[str, ...]) -> tuple[str | re.Pattern, ...]:
    """The removals for a word list, longest first: a plain string, or a compiled pattern (made once)."""
    steps: list[str | re.Pattern] = []
    for word in sorted(words, key=len, reverse=True):
        if word.isascii():
            steps.append(re.compile(rf"(?<![a-z]){re.escape(word)}(?![a-z])", re.I))
        elif len(word) >= 3:
            steps.append(word)
        else:
            steps.append(re.compile(rf"{re.escape(word)}(?=[\s?？!！。、,.]|$)"))
    return tuple(steps)


def _remove(text: str, words: Iterable[str]) -> str:
    """Remove words: ASCII ones as whole words; long Japanese ones anywhere; short ones (≤ 2
    characters, e.g. です, いい) only at a phrase end, so かながわ or おかね keep their letters."""
    out = text
    for step in _removal(tuple(words)):
        out = out.replace(step, " ") if isinstance(step, str) else step.sub(" ", out)
    return SPACE_RE.sub(" ", out).strip()


def strip_filler(text: str) -> str:
    return _remove(text, FILLER)


def clean_query(text: str) -> str:
    """What retrieval should see: topic words only, no query syntax."""
    out = SYNTAX_RE.sub(" ", text)
    out = _SYNTAX_WORDS_RE.sub(" ", out)
    out = strip_filler(out)
    out = _remove(out, INTENT_NOISE)
    # Particles left dangling at either end by the removals above.
    out = re.sub(r"(?:^|\s)[はがをにでとのもへやか](?=\s|$)", " ", out)
    out = re.sub(r"(?<=[^\sぁ-ゖ])[はがをにでとのもへやかねよ]$", "", out.strip())
    return SPACE_RE.sub(" ", out).strip()


_GREETINGS_LOWER = tuple(g.lower() for g in GREETINGS)


def is_greeting(text: str) -> bool:
    folded = text.lower()
    rest = _remove(folded, _GREETINGS_LOWER)
    rest = SYNTAX_RE.sub(" ", rest)
    rest = strip_filler(rest)
    rest = re.sub(r"いい|よい|良い|ですか|でしょう|ます|です|ござ", "", rest)  # 何を聞けばいいの？ 何ができるの？
    rest = re.sub(r"[はがをにでとのもへやかねよさんーるい\s]", "", rest)
    return rest == "" and folded.strip() != ""


@lru_cache(maxsize=1024)
def _word_pattern(key: str) -> re.Pattern:
    return re.compile(rf"(?<![a-z]){re.escape(key)}(?![a-z])")


def _has(text: str, words: Iterable[str]) -> list[str]:
    folded = fold(text)
    seen = []
    for word in words:
        key = fold(word)
        if key.isascii():
            if _word_pattern(key).search(folded):
                seen.append(word)
        elif key in folded:
            seen.append(word)
    return seen


def find_department(text: str, departments: Iterable[str]) -> str | None:
    """The longest known department name written in the text (exact, width-insensitive), or, for text
    written in kana (きょういくせんたー), the department whose reading it spells."""
    folded = fold(text)
    best = None
    departments = list(departments)
    for name in departments:
        if name and fold(name) in folded and (best is None or len(name) > len(best)):
            best = name
    if best is None and KANA_RUN_RE.search(text):
        for name in departments:
            key = reading_of(name)
            if len(key) >= 4 and key in folded and (best is None or len(key) > len(reading_of(best))):
                best = name
    return best


KANA_RUN_RE = re.compile(r"[ぁ-ゖー]{4,}")


@lru_cache(maxsize=4096)
def reading_of(name: str) -> str:
    """A name's katakana reading (教育センター → キョウイクセンター), as folded text is compared."""
    from index.analysis import reading  # the tokenizer is loaded only when kana text needs it

    try:
        return fold("".join(reading(name)))
    except Exception:  # no dictionary: kana questions just do not meet kanji names
        return ""


def remove_department(text: str, department: str) -> str:
    """The text without the department, as written or as its reading in kana."""
    out = SPACE_RE.sub(" ", text.replace(department, " ")).strip()  # a name, even a short one (障福), goes anywhere
    if out == SPACE_RE.sub(" ", text).strip() and (key := reading_of(department)):
        out = _remove(text, [jaconv.kata2hira(key), key])
    return out


KATAKANA_CHAR_RE = re.compile(r"[ァ-ヺー]")
KANJI_CHAR_RE = re.compile(r"[\u3400-\u9fff]+")


def name_in(key: str, folded: str, plain: str) -> bool:
    """Whether the folded name ``key`` is written in the text as a word. ``folded`` is fold(text) and
    ``plain`` the same text before kana folding (hira2kata keeps positions): a name that ends (or starts)
    in katakana is not the head (or tail) of a longer katakana word — インクル is not インクルーシブ."""
    # A two-kanji short name (社協, 児相) is not part of a longer kanji word either: 包括 is not 包括的.
    edge = KANJI_CHAR_RE if len(key) <= 2 and KANJI_CHAR_RE.fullmatch(key) else KATAKANA_CHAR_RE
    start = folded.find(key)
    while start >= 0:
        end = start + len(key)
        if not (edge.match(key[-1]) and end < len(plain) and edge.match(plain[end])) \
                and not (edge.match(key[0]) and start > 0 and edge.match(plain[start - 1])):
            return True
        start = folded.find(key, start + 1)
    return False


def plain_key(text: str) -> str:
    """fold(text) without the hiragana → katakana step: the text name_in checks word edges on."""
    return unicodedata.normalize("NFKC", text or "").lower()


def find_name(text: str, names: Iterable[str]) -> str | None:
    """The longest of ``names`` written in the text (width/kana-insensitive); short names only as the whole text.

    Romaji words are read as kana too, so "kirakira" finds きらきら."""
    romaji = [jaconv.alphabet2kana(w) for w in re.findall(r"[a-z]{4,}", text.lower())]
    plain = " ".join([plain_key(text), *map(plain_key, romaji)])
    folded = jaconv.hira2kata(plain)
    bare = re.sub(r"[\s?？!！。、]|(って|は|の)?(どこ|なに|何)?$", "", folded)
    best = None
    for name in names:
        key = fold(name)
        if not key:
            continue
        if ((len(key) >= 3 and name_in(key, folded, plain)) or key == bare) and (best is None or len(name) > len(best)):
            best = name
    return best


def understand(text: str, departments: Iterable[str] = (), windows: Iterable[str] = ()) -> Understanding:
    """What the text asks. ``departments`` and ``windows`` are the names (and aliases) the corpus knows."""
    raw = text if isinstance(text, str) else ("" if text is None else str(text))
    departments, windows = tuple(departments), tuple(windows)
    norm = normalize(raw)
    # 「ははの かいごと むすこの ひきこもり」: kana written with a space between words (as on a phone for the
    # elderly) is read as one phrase, so cue words and the vocabulary meet it.
    # (a numeral in kana first: the spaces around 「こうやく　じゅうろく　どうなった」 say where it ends)
    norm = KANA_SPACES_RE.sub("", kana_numbers(norm))
    norm = DEGREE_RE.sub("", norm)
    norm = SELF_INTRO_RE.sub("", norm, count=1).strip() or norm
    norm = unify_codes(kanji_numbers(standardize(norm)))
    english = is_english(norm)
    query = clean_query(norm)
    window = find_name(norm, windows)
    if window and fold(window) not in fold(query):
        query = f"{query} {window}".strip()  # named in romaji (kirakira): search with the name as written

    def result(intent: Intent, **kw) -> Understanding:
        return Understanding(raw=raw, text=norm, query=query, intent=intent, english=english,
                             crisis=bool(CRISIS_RE.search(norm)), figure=bool(FIGURE_RE.search(norm)),
                             outside=bool(OUTSIDE_RE.search(norm)) and not OURS_RE.search(norm),
                             status_cue=bool(STATUS_CUE_RE.search(norm) or (
                                 KEPT_CUE_RE.search(norm) and "条例" not in norm and "いつ" not in norm)),
                             enacted_cue=bool(ENACTED_CUE_RE.search(norm)) and "いつ" not in norm,
                             asks=fact_cues(norm), goes=bool(WHERE_TO_GO_RE.search(norm)), **kw)

    if not norm or not re.search(r"[\w]", norm):
        return result("help" if not norm else "unknown")
    if not re.search(r"\d", norm) and len(set(re.sub(r"\W", "", norm.lower()))) <= 1:
        return result("unknown")  # ｗｗｗｗ, ああああ, 0000: one character repeated says nothing we can search
    if is_greeting(norm) or HELP_RE.search(norm):
        return result("help")
    if CRISIS_RE.search(norm):
        return result("find_window")  # care first (u.crisis): handlers answer with the health window and 119/110

    department = find_department(norm, departments)
    # Keywords are looked for outside a department name: こども家庭相談課 is not a request for 相談.
    scan = remove_department(norm, department) if department else norm
    scan = CARER_OF_RE.sub(" ", scan)  # 「担当している方が…」: a worker's client, not a question about a 担当課
    scan = re.sub(r"担当(?:の|する|している)?\s*(?=窓口)", " ", scan)  # 「担当の窓口は」: a window is asked for
    keywords = {intent: _has(scan, words) for intent, words in INTENT_WORDS.items()}
    seen = [w for words in keywords.values() for w in words]

    code = INITIATIVE_RE.search(norm)
    if code:
        initiative = "-".join(str(int(g)) for g in code.groups())
        query = _remove(query, [code.group(0), initiative]) or query
        return result("who_handles", initiative_code=initiative, keywords=seen)

    policy = find_policy_number(norm)
    if policy is not None:
        intent: Intent = "who_handles" if keywords["who_handles"] else "search"
        return result(intent, policy_number=policy, keywords=seen)

    pledge = find_pledge_number(norm)
    if pledge is not None:
        return result("pledge_status", pledge_number=pledge, keywords=seen)
    if COUNT_ASK_RE.search(norm) and keywords["pledge_status"] and (COUNT_RE.search(norm) or TALLY_RE.search(norm)):
        # 「公約170項目のうち達成はいくつ？」「〇△✖、何項目達成した？」: a count the report states, not pledge 170
        return result("search", keywords=seen, count=True)

    three = THREE_PART_RE.search(norm)
    chapter = CHAPTER_RE.search(norm)
    section_code = "-".join(str(int(g)) for g in three.groups()) if three else None
    chapter_code = f"{chapter.group(1)}-{chapter.group(2)}" if chapter else None
    extra = {"section_code": section_code, "chapter": chapter_code, "keywords": seen}

    if keywords["ordinance"] and keywords["pledge_status"]:
        # 「看板の条例を作るっていう公約」: the word the question ends on is what is asked for.
        last = {intent: max(fold(norm).rfind(fold(w)) for w in keywords[intent]) for intent in ("ordinance", "pledge_status")}
        return result(max(last, key=last.get), **extra)
    # 「ケアラー支援条例ができたって聞いたけど、…もう限界の私はどこに相談すれば？」: a place to go, the ordinance
    # only its background (unless what the ordinance says or when it was made is asked too).
    goes_despite = WHERE_TO_GO_RE.search(norm) and not ORDINANCE_ASK_RE.search(norm)
    if keywords["ordinance"] and not goes_despite and not (ORDINANCE_EVENT_RE.search(norm) and "date" in fact_cues(norm)):
        return result("ordinance", **extra)  # (「条例案を議会に出したのいつ？」: an event the minutes record)
    # 「何人生まれてるか、目標は828人？」: a figure and its target is what a plan indicator states.
    # 「アンケートの有効回答率は？」: a survey's own figure, not a plan indicator (unless one is named).
    survey = SURVEY_WORD_RE.search(norm)
    if keywords["kpi"] or (not survey and KPI_RE.search(strip_filler(norm))) or KPI_ASK_RE.search(norm) or (
            FIGURE_RE.search(norm) and "目標" in norm):
        return result("kpi", **extra)
    if keywords["pledge_status"]:
        return result("pledge_status", **extra)

    if department:
        rest = remove_department(norm, department)
        # 「X課の取組って全部でどれくらいある？」「何件？」: how many it handles, which its page counts
        rest = re.sub(r"((どれ|どの)(くらい|ぐらい)|いくつ|何件|件数|数|"
                      r"担当(して)?(いる|る)?|取り?組み?|とりくみ|事業|施策|仕事|業務|一覧|全部(で)?|すべて|全て|内容|何|なに|"
                      r"ざっくり|ざっと|簡単に|かんたんに|みたい|みせて|知りたい|しりたい|所管|福祉関係|関係|"
                      r"やって(る|いる)?|してる|いること|こと|について|見たい|見せて|リスト|教えて(ください)?|ですか|"
                      # 「X課は何部？」「X課ってどこの部？」「X課が受け持ってる計画の取組ある？」 ask about the department
                      r"(何|どこの|どの)?(部|局)(の課)?|課|どこ|所属|ある|受け持って(る|いる)?|受け持ち|(地域)?福祉計画|計画|って|"
                      r"[のはをがもとで?？!！、。]|\s)", "", strip_filler(rest))
        strong_who = any(k in STRONG_WHO for k in keywords["who_handles"])
        asks_role = DEPARTMENT_ASK_RE.search(remove_department(norm, department))
        # 「福祉総務課の電話番号」: how to reach a department that is no window (a window's page has its phone).
        asks_contact = CONTACT_RE.search(norm) and not find_name(norm, windows)
        # 「前はなんて課名だった？」: the department's history — unless a need follows (「なくなった？相談したい」).
        # 「市民相談課はどうなったんですか」: what became of the department itself
        asks_history = (DEPARTMENT_HISTORY_RE.search(norm) or re.match(
            r"\s*(?:は|って)?\s*(?:今|いま)?\s*どうなった", remove_department(norm, department)) or (
            SAME_OR_NOT_RE.search(norm) and find_department(remove_department(norm, department), departments)
        )) and not WHERE_TO_GO_RE.search(norm)
        if asks_history or ((not rest or asks_role or asks_contact) and not strong_who):
            return result("department", department=department, **extra)
        extra["department"] = department

    if find_name(norm, windows) and WINDOW_WHERE_RE.search(norm) and not PAST_FACT_RE.search(norm):
        return result("find_window", **extra)  # 「こども家庭センターはいつからどこで開いてますか」: the window's own facts
    if FIGURE_RE.search(norm) or SURVEY_ASK_RE.search(norm) or OPENED_ASK_RE.search(norm) or PAST_FACT_RE.search(norm):
        return result("search", **extra)  # 「何人」「何％」「アンケート結果」: a figure from the plan or surveys, not a window
    if (keywords["who_handles"] or DOING_DEPARTMENT_RE.search(norm)) and not GO_ASK_RE.search(norm):
        return result("who_handles", **extra)
    if "meaning" in fact_cues(norm) and not (window or GO_ASK_RE.search(norm) or WHERE_TO_GO_RE.search(norm)):
        return result("search", **extra)  # 「保護司ってどういう立場の人？給料出るの？」: what a thing is, not where to go
    if keywords["find_window"] or WANT_RE.search(scan) or window or GO_RE.search(scan) or WINDOW_ASK_RE.search(scan) \
            or GO_ASK_RE.search(norm):
        return result("find_window", **extra)
    if re.search(r"どこ|where", norm, re.I):
        return result("who_handles", **extra)
    if not query:
        return result("unknown", **extra)
    return result("search", **extra)
