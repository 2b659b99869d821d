"""A small hand-made corpus for the index tests (one record of every kind)."""

from __future__ import annotations

from corpus.models import (
    Chapter,
    Corpus,
    Department,
    Fact,
    Goal,
    Initiative,
    Kpi,
    Ordinance,
    Passage,
    Pledge,
    Policy,
    RelatedPlan,
    Source,
    Window,
    WindowFact,
)

DOC = "003_sample.txt"


def src(line: int) -> Source:
    return Source(document=DOC, line=line)


GOAL = Goal(goal=1, goal_title="ともに支え合う地域づくり", section=2, section_title="ケアラーへの支援",
            subsection=3, subsection_title="相談体制の充実")


def sample_corpus(extra_passages: int = 0) -> Corpus:
    corpus = Corpus(
        pledges=[
            Pledge(id="pledge-15", source=src(10), number=15, status="achieved", mark="〇", category="子育て",
                   text="子どもの居場所を市内全域に広げます", progress=["（令和元年度）学童保育を拡充"]),
            Pledge(id="pledge-16", source=src(12), number=16, status="in_progress", mark="△", category="福祉",
                   text="高齢者の移動を支えます", progress=["デマンド交通を試行"]),
        ],
        initiatives=[
            Initiative(id="initiative-1-2-3-7", source=src(20), code="1-2-3-7", title="ケアラー支援の推進",
                       departments=["障害福祉課", "福祉総務課（市社協）"], position="◎", place=GOAL),
            Initiative(id="initiative-1-2-3-8", source=src(21), code="1-2-3-8", title="ヤングケアラーへの理解促進",
                       departments=["こども相談課"], position="●", place=GOAL),
            Initiative(id="initiative-1-2-3-9", source=src(22), code="1-2-3-9", title="手話通訳者の派遣",
                       departments=["障害福祉課"], position="■", place=GOAL),
        ],
        policies=[
            Policy(id="policy-3", source=src(30), number=3, title="地域包括支援センターの機能強化",
                   departments=["高齢者いきいき課"], aim="身近な相談窓口を整える"),
        ],
        ordinances=[
            Ordinance(id="ordinance-abcdef0123", source=src(40), name="鎌倉市手話言語条例",
                      purpose="手話が言語であることの理解を広げる", enacted="令和2年3月", enacted_year=2020),
        ],
        kpis=[Kpi(id="kpi-2-1-1", source=src(50), chapter="2-1", name="認知症サポーター養成数", target="↗")],
        departments=[Department(id="department-障害福祉課", source=src(60), name="障害福祉課", bureau="健康福祉部")],
        windows=[
            Window(id="window-kurashi-fukushi", source=src(70), name="くらしと福祉の相談窓口",
                   aliases=["福祉の総合相談"], topics=["生活困窮", "ひきこもり"], one_stop=True,
                   summary=WindowFact(value="どこに相談してよいか分からない困りごとを受け止めます", sources=["[C01]"])),
        ],
        chapters=[Chapter(id="chapter-2-1", source=src(80), number="2-1", title="健康福祉",
                          issues=["担い手の不足が続いています"])],
        facts=[Fact(id=f"fact-{DOC[:-4]}-90", source=src(90), topic="基本理念",
                    text="誰もが自分らしく暮らせるまちを目指します", about="地域福祉計画")],
        related_plans=[RelatedPlan(id="related-plan-1", source=src(100), name="鎌倉市障害者基本計画",
                                   law="障害者基本法", summary="障害のある人の自立と社会参加")],
        passages=[
            Passage(id=f"passage-{DOC[:-4]}-110", source=src(110), title="計画の背景",
                    text="子供の貧困やケアラーの負担が課題となっています。"),
            Passage(id=f"passage-{DOC[:-4]}-111", source=src(111), title="交通",
                    text="鎌倉駅周辺の渋滞対策としてロードプライシングを検討します。"),
        ],
    )
    filler = [
        Passage(id=f"passage-{DOC[:-4]}-{200 + i}", source=src(200 + i), title=f"雑記{i}",
                text=f"鎌倉市の公園{i}番の清掃を行いました。海岸の美化活動も続けます。")
        for i in range(extra_passages)
    ]
    return corpus.model_copy(update={"passages": corpus.passages + filler})
