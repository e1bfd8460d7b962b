from chaos.links import LinkTable

TABLE = LinkTable.from_components(["web-1", "web-2"], ["store-1", "store-2", "store-3"])


def names(links):
    return sorted(link.name for link in links)


def test_links_touching_a_component():
    assert names(TABLE.touching({"web-1"})) == [
        "lb->web-1",
        "web-1->store-1",
        "web-1->store-2",
        "web-1->store-3",
    ]


def test_links_between_two_groups():
    assert names(TABLE.touching({"web-1", "web-2"}, {"store-1"})) == [
        "web-1->store-1",
        "web-2->store-1",
    ]


def test_isolating_a_store_member_reaches_its_peers_and_the_web_tier():
    assert TABLE.neighbours({"store-1"}) == {"store-2", "store-3", "web-1", "web-2"}
    assert "store-1->store-2" in names(TABLE.touching({"store-1"}))
    assert "store-3->store-1" in names(TABLE.touching({"store-1"}))
