package models

import (
	"math/big"
	"testing"
	"time"
)

func TestRankHandComputed(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(min int) *time.Time { v := t0.Add(time.Duration(min) * time.Minute); return &v }
	bid := func(id, price int64, status string, submitted int) Bid {
		return Bid{ID: id, OrganisationID: id * 10, Status: status, SubmittedAt: at(submitted), BidContent: BidContent{PriceFen: price}}
	}
	tender := &Tender{PriceWeight: 30, Evaluation: EvalComprehensive}
	score := func(bidID, expert int64, pts float64) Score {
		return Score{BidID: bidID, ExpertID: expert, Criterion: "all", Points: pts}
	}

	cases := []struct {
		name   string
		bids   []Bid
		scores []Score
		order  []int64   // bid ids by rank
		finals []float64 // their final scores
		weight int       // price weight, 30 when zero
	}{
		{
			// The disqualified bid is the cheapest: the lowest *valid*
			// price sets the price scores.
			name:   "disqualified cheapest",
			bids:   []Bid{bid(1, 100_000, BidDisqualified, 1), bid(2, 200_000, BidValid, 2), bid(3, 250_000, BidValid, 3)},
			scores: []Score{score(2, 7, 50), score(2, 8, 60), score(3, 7, 66), score(3, 8, 64)},
			// bid 2: 30 + 55 = 85; bid 3: 200/250×30 = 24 + 65 = 89.
			order:  []int64{3, 2},
			finals: []float64{89, 85},
		},
		{
			// Equal finals: the lower price wins.
			name: "tie broken by price",
			bids: []Bid{bid(1, 300_000, BidValid, 1), bid(2, 200_000, BidValid, 2)},
			// bid 1: 200/300×30 = 20 + 60 = 80; bid 2: 30 + 50 = 80.
			scores: []Score{score(1, 7, 60), score(2, 7, 50)},
			order:  []int64{2, 1},
			finals: []float64{80, 80},
		},
		{
			// Equal finals and prices: the earlier submission wins.
			name:   "tie broken by submission",
			bids:   []Bid{bid(1, 200_000, BidValid, 5), bid(2, 200_000, BidValid, 2)},
			scores: []Score{score(1, 7, 40), score(2, 7, 40)},
			order:  []int64{2, 1},
			finals: []float64{70, 70},
		},
		{
			// Issue 7's tie: bid 1: 10 + 152/3 = 182/3; bid 2:
			// 200,000/240,000×10 + 157/3 = 25/3 + 157/3 = 182/3. As floats the
			// dearer bid came first (60.666666666666671 > 60.666666666666664);
			// exactly they tie at 60.67 and the cheaper bid ranks first,
			// though bid 2 was submitted earlier.
			name: "exact tie at 60.67",
			bids: []Bid{bid(1, 200_000, BidValid, 5), bid(2, 240_000, BidValid, 2)},
			scores: []Score{score(1, 7, 50), score(1, 8, 51), score(1, 9, 51),
				score(2, 7, 52), score(2, 8, 52), score(2, 9, 53)},
			order:  []int64{1, 2},
			finals: []float64{60.67, 60.67},
			weight: 10,
		},
		{
			// Different exact finals that show the same value tie too:
			// bid 1: 10 + 50.001 = 60.001 → 60.00; bid 2: 200/250×10 = 8 +
			// 52.004 = 60.004 → 60.00, higher exactly but dearer.
			name:   "shown tie, exact difference",
			bids:   []Bid{bid(1, 200_000, BidValid, 5), bid(2, 250_000, BidValid, 2)},
			scores: []Score{score(1, 7, 50.001), score(2, 7, 52.004)},
			order:  []int64{1, 2},
			finals: []float64{60, 60},
			weight: 10,
		},
	}
	for _, c := range cases {
		tender.PriceWeight = 30
		if c.weight != 0 {
			tender.PriceWeight = c.weight
		}
		got := rank(tender, c.bids, c.scores)
		if len(got) != len(c.order) {
			t.Fatalf("%s: %d ranked, want %d", c.name, len(got), len(c.order))
		}
		for i, b := range got {
			if b.ID != c.order[i] || *b.FinalScore != c.finals[i] || *b.Rank != i+1 {
				t.Errorf("%s: rank %d is bid %d with %.4f, want bid %d with %.4f", c.name, i+1, b.ID, *b.FinalScore, c.order[i], c.finals[i])
			}
		}
	}
	lowest := rank(&Tender{PriceWeight: 100, Evaluation: EvalLowestPrice}, []Bid{bid(1, 300, BidValid, 1), bid(2, 200, BidValid, 2)}, nil)
	if lowest[0].ID != 2 || *lowest[0].FinalScore != 100 {
		t.Errorf("lowest price: %+v", lowest[0])
	}
}

// TestScoreRounding: shown scores round the exact value half-up to 0.01
// (hand-computed; 1.005 is where float rounding gives 1.00).
func TestScoreRounding(t *testing.T) {
	for _, c := range []struct {
		num, den int64
		want     int64 // hundredths
	}{
		{2, 3, 67}, {1, 3, 33}, {201, 200, 101}, {1, 8, 13}, {5, 1000, 1}, {4999, 1000000, 0},
		{182, 3, 6067}, {30, 7, 429}, {25, 3, 833}, {0, 1, 0}, {100, 1, 10000}, {1, 200, 1}, {1, 201, 0},
	} {
		if got := scoreHundredths(big.NewRat(c.num, c.den)); got != c.want {
			t.Errorf("%d/%d shows %d hundredths, want %d", c.num, c.den, got, c.want)
		}
	}
	if got := shownScore(exactPoints(1.005)); got != 1.01 {
		t.Errorf("1.005 shows %v, want 1.01", got)
	}
	if got := exactPoints(35.3); got.Cmp(big.NewRat(353, 10)) != 0 {
		t.Errorf("35.3 points read as %v", got)
	}
}
