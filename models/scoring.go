package models

import (
	"math/big"
	"strconv"
)

// exactPoints reads an expert's points as the decimal the expert typed:
// the shortest decimal that round-trips the stored float (35.3 is 353/10,
// not the binary neighbour of 35.3).
func exactPoints(p float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(p, 'f', -1, 64))
	if !ok { // NaN and infinities are refused when scoring
		return new(big.Rat)
	}
	return r
}

// scoreHundredths rounds an exact non-negative score half-up to whole
// hundredths: 2/3 → 67, 1.005 → 101, 0.004999 → 0. This is the rounding rule
// of every score the portal shows, and ranking compares these values.
func scoreHundredths(x *big.Rat) int64 {
	// floor(x × 100 + 1/2) = floor((200·num + den) / (2·den))
	num := new(big.Int).Mul(x.Num(), big.NewInt(200))
	num.Add(num, x.Denom())
	den := new(big.Int).Mul(x.Denom(), big.NewInt(2))
	return new(big.Int).Div(num, den).Int64() // Euclidean: floor for a positive den
}

// shownScore is the score as shown, with two decimals: whole hundredths
// over 100, so equal shown scores are equal floats.
func shownScore(x *big.Rat) float64 { return float64(scoreHundredths(x)) / 100 }
