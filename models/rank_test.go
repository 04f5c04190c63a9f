package models

import (
	"math"
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
	}
	for _, c := range cases {
		got := rank(tender, c.bids, c.scores)
		if len(got) != len(c.order) {
			t.Fatalf("%s: %d ranked, want %d", c.name, len(got), len(c.order))
		}
		for i, b := range got {
			if b.ID != c.order[i] || math.Abs(*b.FinalScore-c.finals[i]) > 1e-9 || *b.Rank != i+1 {
				t.Errorf("%s: rank %d is bid %d with %.4f, want bid %d with %.4f", c.name, i+1, b.ID, *b.FinalScore, c.order[i], c.finals[i])
			}
		}
	}
	lowest := rank(&Tender{PriceWeight: 100, Evaluation: EvalLowestPrice}, []Bid{bid(1, 300, BidValid, 1), bid(2, 200, BidValid, 2)}, nil)
	if lowest[0].ID != 2 || *lowest[0].FinalScore != 100 {
		t.Errorf("lowest price: %+v", lowest[0])
	}
}
