package migrations

import (
	"encoding/json"
	"fmt"
	"time"

	"portal/models"

	"gorm.io/gorm"
)

// shippedCatalogueRegion is the province whose catalogue data/catalogue.json is.
const shippedCatalogueRegion = "45"

// catalogueFile is the shape of data/catalogue.json. The step keeps its own
// types and SQL, so later changes to the models cannot alter what a released
// migration does.
type catalogueFile struct {
	Year  int `json:"year"`
	Items []struct {
		Code            string `json:"code"`
		Parent          string `json:"parent"`
		Name            string `json:"name"`
		NameEn          string `json:"name_en"`
		Description     string `json:"description"`
		ServiceStandard string `json:"service_standard"`
		Unit            string `json:"unit"`
		GuidePriceFen   int64  `json:"guide_price_fen"`
		Indicators      []struct {
			Key    string `json:"key"`
			Name   string `json:"name"`
			NameEn string `json:"name_en"`
			Unit   string `json:"unit"`
			Kind   string `json:"kind"`
			Weight int    `json:"weight"`
		} `json:"indicators"`
	} `json:"items"`
}

// loadCatalogue adds the catalogue's access rules and ships Guangxi's
// starting children's-services catalogue (data/catalogue.json) as a
// published version.
func loadCatalogue(tx *gorm.DB, _ models.Dialect) error {
	if err := policyFile("0004_catalogue.csv")(tx, ""); err != nil {
		return err
	}
	raw, err := files.ReadFile("data/catalogue.json")
	if err != nil {
		return err
	}
	var cat catalogueFile
	if err := json.Unmarshal(raw, &cat); err != nil {
		return fmt.Errorf("data/catalogue.json: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	// Filled as a draft, then published: published versions are read-only.
	var versionID int64
	if err := tx.Raw(`INSERT INTO catalogue_versions (region_code, year, status, created_at, updated_at)
		VALUES (?, ?, 'draft', ?, ?) RETURNING id`, shippedCatalogueRegion, cat.Year, now, now).Scan(&versionID).Error; err != nil {
		return err
	}
	for _, it := range cat.Items {
		sum := 0
		for _, ind := range it.Indicators {
			sum += ind.Weight
		}
		if len(it.Indicators) > 0 && sum != 100 {
			return fmt.Errorf("data/catalogue.json: weights of %s sum to %d", it.Code, sum)
		}
		var itemID int64
		if err := tx.Raw(`INSERT INTO catalogue_items (version_id, code, parent_code, name, name_en, description,
			service_standard, unit, guide_price_fen, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			versionID, it.Code, it.Parent, it.Name, it.NameEn, it.Description, it.ServiceStandard, it.Unit,
			it.GuidePriceFen, now, now).Scan(&itemID).Error; err != nil {
			return err
		}
		for i, ind := range it.Indicators {
			if err := tx.Exec(`INSERT INTO catalogue_indicators (item_id, sort_order, key, name, name_en, unit, kind, weight)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, itemID, i+1, ind.Key, ind.Name, ind.NameEn, ind.Unit, ind.Kind, ind.Weight).Error; err != nil {
				return err
			}
		}
	}
	return tx.Exec(`UPDATE catalogue_versions SET status = 'published', published_at = ?, updated_at = ? WHERE id = ?`,
		now, now, versionID).Error
}
