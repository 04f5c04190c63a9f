package models

// Page is a requested slice of a list: page from 1, per_page up to 200.
type Page struct {
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

// MaxPerPage caps per_page.
const MaxPerPage = 200

// Normalise fills defaults and caps the size.
func (p Page) Normalise() Page {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.PerPage < 1 {
		p.PerPage = 50
	}
	if p.PerPage > MaxPerPage {
		p.PerPage = MaxPerPage
	}
	return p
}

func (p Page) offset() int { return (p.Page - 1) * p.PerPage }

// List is one page of a list and the total count.
type List[T any] struct {
	Items   []T   `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}
