using MoeOperator.Worker.Moe;

namespace MoeOperator.Worker.Tests;

public sealed class ExpertMapTests
{
    [Fact]
    public void ParsesTheOperatorsDocument()
    {
        var map = ExpertMap.Parse("""{"version":4,"slotsPerRank":3,"phy2log":[0,1,0,2,3,1],"log2phy":[[0,2],[1,5],[3,-1],[4,-1]],"logcnt":[2,2,1,1]}""", experts: 4, ranks: 2);

        map.Version.ShouldBe(4);
        map.RankOf(4).ShouldBe(1);
        map.SlotsOf(1).ShouldBe([3, 4, 5]);
        map.ReplicasOf(0).ShouldBe([0, 2]);
        map.ReplicasOf(1).ShouldBe([1, 5]);
        ExpertMap.Parse(map.ToJson(), 4, 2).ShouldBeEquivalentTo(map);
    }

    [Theory]
    [InlineData("""{"slotsPerRank":2,"phy2log":[0,1,2,3]}""", "no 'version'")]
    [InlineData("""{"version":1,"slotsPerRank":3,"phy2log":[0,1,2,3]}""", "4 slots, but slotsPerRank 3 x 2 ranks = 6")]
    [InlineData("""{"version":1,"slotsPerRank":2,"phy2log":[0,1,2,9]}""", "names expert 9, outside 0..3")]
    [InlineData("""{"version":1,"slotsPerRank":2,"phy2log":[0,1,2,2]}""", "gives no slot to expert(s) 3")]
    public void RejectsAMapThatCannotServeEveryExpert(string json, string message) =>
        Should.Throw<FormatException>(() => ExpertMap.Parse(json, experts: 4, ranks: 2)).Message.ShouldContain(message);

    [Fact]
    public void Identity_NeedsExpertsDivisibleByRanks() =>
        Should.Throw<ArgumentException>(() => ExpertMap.Identity(10, 4)).Message.ShouldContain("multiple of ranks");
}
