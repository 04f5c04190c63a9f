package main

import (
	"os"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	if m := median([]float64{5, 1, 4, 2, 3}); m != 3 {
		t.Errorf("median %v, want 3", m)
	}
	if m := median([]time.Duration{}); m != 0 {
		t.Errorf("empty median %v", m)
	}
}

// TestPeakRSS reads this process's VmHWM.
func TestPeakRSS(t *testing.T) {
	kib, err := peakRSS(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if kib <= 0 {
		t.Errorf("peak RSS %d KiB", kib)
	}
}
