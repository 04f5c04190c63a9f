package models

// HoldStatsSlots takes every slot of the statistics, as that many
// requests being worked out would, and returns what gives them back.
func (s *Store) HoldStatsSlots() (release func()) {
	n := cap(s.statsSlots)
	for range n {
		s.statsSlots <- struct{}{}
	}
	return func() {
		for range n {
			<-s.statsSlots
		}
	}
}
