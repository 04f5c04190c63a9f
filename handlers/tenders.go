package handlers

import (
	"context"
	"net/http"
	"strconv"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// tenderRoutes registers the tender API (and, through tenderPageRoutes,
// the pages).
func (s *Server) tenderRoutes(r *gin.Engine, api *gin.RouterGroup) {
	api.GET("/tenders", s.apiTenders)
	api.POST("/tenders", policy.Require("tender:manage"), s.apiCreateTender)
	api.GET("/tenders/:id", s.apiTender)
	api.PATCH("/tenders/:id", policy.Require("tender:manage"), s.apiUpdateTender)
	api.POST("/tenders/:id/publish", policy.Require("tender:manage"), s.apiTenderAction(s.store.PublishTender))
	api.POST("/tenders/:id/cancel", policy.Require("tender:manage"), s.apiCancelTender)
	api.GET("/tenders/:id/enquiries", s.apiEnquiries)
	api.POST("/tenders/:id/enquiries", policy.Require("bid:write"), s.apiAsk)
	api.POST("/enquiries/:id/answer", policy.Require("tender:manage"), s.apiAnswerEnquiry)
	api.GET("/tenders/:id/bid", policy.Require("bid:write"), s.apiOwnBid)
	api.PUT("/tenders/:id/bid", policy.Require("bid:write"), s.apiSaveBid)
	api.POST("/tenders/:id/bid/submit", policy.Require("bid:write"), s.apiMoveBid(s.store.SubmitBid))
	api.POST("/tenders/:id/bid/withdraw", policy.Require("bid:write"), s.apiMoveBid(s.store.WithdrawBid))
	api.POST("/tenders/:id/bid/attachments", s.allowUpload, policy.Require("bid:write"), s.apiAttach)
	api.GET("/tenders/:id/bid/attachments", policy.Require("bid:write"), s.apiOwnAttachments)
	api.DELETE("/tenders/:id/bid/attachments/:aid", policy.Require("bid:write"), s.apiDetach)
	api.GET("/bids/:id/attachments", policy.Require(""), s.apiBidAttachments)
	api.GET("/bid-attachments/:id", policy.Require(""), s.apiDownloadAttachment)
	api.GET("/tenders/:id/bids", policy.Require(""), s.apiOpenedBids)
	api.GET("/tenders/:id/bidders", policy.Require(""), s.apiBidders)
	api.POST("/bids/:id/disqualify", policy.Require("tender:manage"), s.apiDisqualify)
	api.PUT("/tenders/:id/panel", policy.Require("tender:manage"), s.apiPanel)
	api.POST("/tenders/:id/declaration", policy.Require("bid:score"), s.apiDeclare)
	api.PUT("/bids/:id/score", policy.Require("bid:score"), s.apiScore)
	api.GET("/tenders/:id/scores", policy.Require(""), s.apiScores)
	api.POST("/tenders/:id/credit-checks", policy.Require("tender:manage"), s.apiCreditCheck)
	api.POST("/tenders/:id/award", policy.Require("tender:manage"), s.apiAward)
	api.GET("/tenders/:id/result", s.apiResult)
	api.GET("/tenders/:id/challenges", policy.Require(""), s.apiChallenges)
	api.POST("/tenders/:id/challenges", policy.Require("bid:write"), s.apiChallenge)
	api.POST("/challenges/:id/answer", policy.Require("tender:manage"), s.apiAnswerChallenge)
	api.POST("/tenders/:id/contract", policy.Require("tender:manage"), s.apiSignContract)
	api.GET("/contracts", policy.Require(""), s.apiContracts)
	api.GET("/contracts/:id", policy.Require(""), s.apiContract)
	s.tenderPageRoutes(r)
}

// respond renders v with status, or the error.
func respond(c *gin.Context, status int, v any, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, v)
}

// withID runs fn with the :id path parameter.
func withID(c *gin.Context, fn func(id int64)) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	fn(id)
}

func tenderFilter(c *gin.Context) models.TenderFilter {
	return models.TenderFilter{Region: c.Query("region"), Status: c.Query("status"), Q: c.Query("q"), Mine: c.Query("mine") == "1"}
}

func (s *Server) apiTenders(c *gin.Context) {
	list, err := s.store.Tenders(c.Request.Context(), policy.ActorFrom(c), tenderFilter(c), pageOf(c))
	respond(c, http.StatusOK, list, err)
}

func (s *Server) apiCreateTender(c *gin.Context) {
	var in models.TenderInput
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	t, err := s.store.CreateTender(c.Request.Context(), policy.ActorFrom(c), in)
	respond(c, http.StatusCreated, t, err)
}

func (s *Server) apiTender(c *gin.Context) {
	withID(c, func(id int64) {
		t, err := s.store.Tender(c.Request.Context(), policy.ActorFrom(c), id)
		respond(c, http.StatusOK, t, err)
	})
}

// apiUpdateTender applies the body over the tender as it is: absent fields
// keep their values, present ones replace them (lists whole).
func (s *Server) apiUpdateTender(c *gin.Context) {
	withID(c, func(id int64) {
		t, err := s.store.UpdateTender(c.Request.Context(), policy.ActorFrom(c), id, func(in *models.TenderInput) error {
			return bindJSON(c, in)
		})
		respond(c, http.StatusOK, t, err)
	})
}

// tenderAction is a model function that moves one tender.
type tenderAction func(ctx context.Context, a *models.Actor, id int64) (*models.Tender, error)

func (s *Server) apiTenderAction(fn tenderAction) gin.HandlerFunc {
	return func(c *gin.Context) {
		withID(c, func(id int64) {
			t, err := fn(c.Request.Context(), policy.ActorFrom(c), id)
			respond(c, http.StatusOK, t, err)
		})
	}
}

// bidAction is a model function that moves the caller's own bid.
type bidAction func(ctx context.Context, a *models.Actor, tenderID int64) (*models.Bid, error)

func (s *Server) apiMoveBid(fn bidAction) gin.HandlerFunc {
	return func(c *gin.Context) {
		withID(c, func(id int64) {
			b, err := fn(c.Request.Context(), policy.ActorFrom(c), id)
			respond(c, http.StatusOK, b, err)
		})
	}
}

type reasonBody struct {
	Reason string `json:"reason"`
}

func (s *Server) apiCancelTender(c *gin.Context) {
	withID(c, func(id int64) {
		var in reasonBody
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		t, err := s.store.CancelTender(c.Request.Context(), policy.ActorFrom(c), id, in.Reason)
		respond(c, http.StatusOK, t, err)
	})
}

func (s *Server) apiEnquiries(c *gin.Context) {
	withID(c, func(id int64) {
		list, err := s.store.Enquiries(c.Request.Context(), policy.ActorFrom(c), id)
		respond(c, http.StatusOK, gin.H{"items": list, "total": len(list)}, err)
	})
}

func (s *Server) apiAsk(c *gin.Context) {
	withID(c, func(id int64) {
		var in struct {
			Question string `json:"question"`
		}
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		e, err := s.store.Ask(c.Request.Context(), policy.ActorFrom(c), id, in.Question)
		respond(c, http.StatusCreated, e, err)
	})
}

type answerBody struct {
	Answer string `json:"answer"`
}

func (s *Server) apiAnswerEnquiry(c *gin.Context) {
	withID(c, func(id int64) {
		var in answerBody
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		e, err := s.store.AnswerEnquiry(c.Request.Context(), policy.ActorFrom(c), id, in.Answer)
		respond(c, http.StatusOK, e, err)
	})
}

func (s *Server) apiOwnBid(c *gin.Context) {
	withID(c, func(id int64) {
		b, err := s.store.OwnBid(c.Request.Context(), policy.ActorFrom(c), id)
		respond(c, http.StatusOK, b, err)
	})
}

func (s *Server) apiSaveBid(c *gin.Context) {
	withID(c, func(id int64) {
		var in models.BidInput
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		b, err := s.store.SaveBid(c.Request.Context(), policy.ActorFrom(c), id, in)
		respond(c, http.StatusOK, b, err)
	})
}

func (s *Server) apiOpenedBids(c *gin.Context) {
	withID(c, func(id int64) {
		bids, err := s.store.OpenedBids(c.Request.Context(), policy.ActorFrom(c), id)
		respond(c, http.StatusOK, gin.H{"items": bids, "total": len(bids)}, err)
	})
}

func (s *Server) apiBidders(c *gin.Context) {
	withID(c, func(id int64) {
		list, err := s.store.Bidders(c.Request.Context(), policy.ActorFrom(c), id)
		respond(c, http.StatusOK, gin.H{"items": list, "total": len(list)}, err)
	})
}

func (s *Server) apiDisqualify(c *gin.Context) {
	withID(c, func(id int64) {
		var in reasonBody
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		b, err := s.store.DisqualifyBid(c.Request.Context(), policy.ActorFrom(c), id, in.Reason)
		respond(c, http.StatusOK, b, err)
	})
}

func (s *Server) apiPanel(c *gin.Context) {
	withID(c, func(id int64) {
		var in struct {
			ExpertIDs []int64 `json:"expert_ids"`
		}
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		panel, err := s.store.AppointPanel(c.Request.Context(), policy.ActorFrom(c), id, in.ExpertIDs)
		respond(c, http.StatusOK, gin.H{"items": panel, "total": len(panel)}, err)
	})
}

func (s *Server) apiDeclare(c *gin.Context) {
	withID(c, func(id int64) {
		var in models.Declaration
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		m, err := s.store.Declare(c.Request.Context(), policy.ActorFrom(c), id, in)
		respond(c, http.StatusCreated, m, err)
	})
}

func (s *Server) apiScore(c *gin.Context) {
	withID(c, func(id int64) {
		var in struct {
			Points map[string]float64 `json:"points"`
		}
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		sc, err := s.store.ScoreBid(c.Request.Context(), policy.ActorFrom(c), id, in.Points)
		respond(c, http.StatusOK, gin.H{"items": sc, "total": len(sc)}, err)
	})
}

func (s *Server) apiScores(c *gin.Context) {
	withID(c, func(id int64) {
		sheets, err := s.store.Scores(c.Request.Context(), policy.ActorFrom(c), id)
		respond(c, http.StatusOK, sheets, err)
	})
}

func (s *Server) apiCreditCheck(c *gin.Context) {
	withID(c, func(id int64) {
		var in models.CreditCheckInput
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		cc, err := s.store.RecordCreditCheck(c.Request.Context(), policy.ActorFrom(c), id, in)
		respond(c, http.StatusCreated, cc, err)
	})
}

func (s *Server) apiAward(c *gin.Context) {
	withID(c, func(id int64) {
		ctx, a := c.Request.Context(), policy.ActorFrom(c)
		if _, err := s.store.Award(ctx, a, id); err != nil {
			fail(c, err)
			return
		}
		res, err := s.store.TenderResult(ctx, a, id)
		respond(c, http.StatusOK, res, err)
	})
}

func (s *Server) apiResult(c *gin.Context) {
	withID(c, func(id int64) {
		res, err := s.store.TenderResult(c.Request.Context(), policy.ActorFrom(c), id)
		respond(c, http.StatusOK, res, err)
	})
}

func (s *Server) apiChallenges(c *gin.Context) {
	withID(c, func(id int64) {
		list, err := s.store.Challenges(c.Request.Context(), policy.ActorFrom(c), id)
		respond(c, http.StatusOK, gin.H{"items": list, "total": len(list)}, err)
	})
}

func (s *Server) apiChallenge(c *gin.Context) {
	withID(c, func(id int64) {
		var in reasonBody
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		ch, err := s.store.FileChallenge(c.Request.Context(), policy.ActorFrom(c), id, in.Reason)
		respond(c, http.StatusCreated, ch, err)
	})
}

func (s *Server) apiAnswerChallenge(c *gin.Context) {
	withID(c, func(id int64) {
		var in answerBody
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		ch, err := s.store.AnswerChallenge(c.Request.Context(), policy.ActorFrom(c), id, in.Answer)
		respond(c, http.StatusOK, ch, err)
	})
}

func (s *Server) apiSignContract(c *gin.Context) {
	withID(c, func(id int64) {
		var in struct {
			PaymentPlan []models.PlanLine `json:"payment_plan"`
		}
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		ct, err := s.store.SignContract(c.Request.Context(), policy.ActorFrom(c), id, in.PaymentPlan)
		respond(c, http.StatusCreated, ct, err)
	})
}

func (s *Server) apiContracts(c *gin.Context) {
	org, _ := strconv.ParseInt(c.Query("organisation"), 10, 64)
	f := models.ContractFilter{OrganisationID: org, Region: c.Query("region"), Status: c.Query("status")}
	list, err := s.store.Contracts(c.Request.Context(), policy.ActorFrom(c), f, pageOf(c))
	respond(c, http.StatusOK, list, err)
}

func (s *Server) apiContract(c *gin.Context) {
	withID(c, func(id int64) {
		ct, err := s.store.Contract(c.Request.Context(), policy.ActorFrom(c), id)
		respond(c, http.StatusOK, ct, err)
	})
}

func (s *Server) apiAttach(c *gin.Context) {
	withID(c, func(id int64) {
		at, err := s.store.AddBidAttachment(c.Request.Context(), policy.ActorFrom(c), id, orgUpload(c))
		respond(c, http.StatusCreated, at, err)
	})
}

func (s *Server) apiOwnAttachments(c *gin.Context) {
	withID(c, func(id int64) {
		list, err := s.store.OwnBidAttachments(c.Request.Context(), policy.ActorFrom(c), id)
		respond(c, http.StatusOK, gin.H{"items": list, "total": len(list)}, err)
	})
}

func (s *Server) apiDetach(c *gin.Context) {
	withID(c, func(id int64) {
		aid, err := strconv.ParseInt(c.Param("aid"), 10, 64)
		if err != nil {
			fail(c, models.Fail(models.ErrNotFound, "err.not_found", "attachment not found"))
			return
		}
		if err := s.store.RemoveBidAttachment(c.Request.Context(), policy.ActorFrom(c), id, aid); err != nil {
			fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	})
}

func (s *Server) apiBidAttachments(c *gin.Context) {
	withID(c, func(id int64) {
		list, err := s.store.BidAttachments(c.Request.Context(), policy.ActorFrom(c), id)
		respond(c, http.StatusOK, gin.H{"items": list, "total": len(list)}, err)
	})
}

func (s *Server) apiDownloadAttachment(c *gin.Context) {
	withID(c, func(id int64) {
		at, content, err := s.store.OpenBidAttachment(c.Request.Context(), policy.ActorFrom(c), id)
		if err != nil {
			fail(c, err)
			return
		}
		serveDownload(c, at.Filename, at.ContentType, "", at.CreatedAt, content)
	})
}
