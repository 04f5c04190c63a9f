package handlers

import (
	"net/http"
	"strconv"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// notificationRoutes: the signed-in reader's own notifications.
func (s *Server) notificationRoutes(r *gin.Engine, api *gin.RouterGroup) {
	signedIn := policy.Require("")
	api.GET("/notifications", signedIn, s.apiNotifications)
	api.POST("/notifications/read-all", signedIn, s.apiReadAllNotifications)
	api.POST("/notifications/:id/read", signedIn, s.apiReadNotification)

	r.GET("/notifications", signedIn, s.pageNotifications)
	r.POST("/notifications/read-all", signedIn, s.pageReadAllNotifications)
	r.POST("/notifications/:id/read", signedIn, s.pageReadNotification)
}

// notificationView is a notification as its reader sees it: the message in
// the reader's language and the page where they act on it.
type notificationView struct {
	models.Notification
	Message string `json:"message"`
	Href    string `json:"href"`
	At      string `json:"-"` // created_at in Beijing time, for the page
}

func (s *Server) notificationView(lang string, n models.Notification) notificationView {
	args := []any{}
	for _, name := range models.NotifyParams[n.Kind] {
		args = append(args, n.Params[name])
	}
	return notificationView{Notification: n, Message: s.msgs.T(lang, "notify.kind."+n.Kind, args...), Href: notificationHref(n),
		At: n.CreatedAt.In(models.ChinaZone).Format("2006-01-02 15:04")}
}

// notificationHref is the page where the reader acts on the notification.
func notificationHref(n models.Notification) string {
	tender := "/tenders/" + n.Params["tender_id"]
	switch n.Kind {
	case models.NotifyOrgVerified, models.NotifyOrgRejected, models.NotifyOrgSuspended, models.NotifyOrgBlacklisted:
		return "/my/organisation"
	case models.NotifyTenderAmended, models.NotifyAwardWon, models.NotifyAwardLost:
		return tender + "/bid"
	case models.NotifyEnquiryAnswered:
		return tender + "#enquiries"
	case models.NotifyChallengeAnswer:
		return tender + "/bid#challenges"
	case models.NotifyPanelAppointment:
		return tender + "/review"
	case models.NotifyPaymentPaid:
		return "/contracts/" + n.Params["contract_id"] + "#payments"
	case models.NotifyReportApproved, models.NotifyReportReturned:
		return "/reports/" + n.Params["report_id"]
	case models.NotifyReportDue, models.NotifyReportOverdue:
		return "/contracts/" + n.Params["contract_id"] + "#schedule"
	case models.NotifySupervisorAssigned, models.NotifyEvaluationRecorded, models.NotifyRectificationOpened, models.NotifyRectificationResponded:
		return "/contracts/" + n.Params["contract_id"] + "#supervision"
	}
	return "/notifications"
}

// notificationFilter reads ?unread=true|false; empty lists all.
func notificationFilter(c *gin.Context) (models.NotificationFilter, error) {
	var f models.NotificationFilter
	if v := c.Query("unread"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, models.Fail(models.ErrBadRequest, "err.400", "unread is true or false")
		}
		f.Unread = &b
	}
	return f, nil
}

func (s *Server) notificationList(c *gin.Context) (models.List[notificationView], error) {
	f, err := notificationFilter(c)
	if err != nil {
		return models.List[notificationView]{}, err
	}
	list, err := s.store.Notifications(c.Request.Context(), policy.ActorFrom(c), f, pageOf(c))
	if err != nil {
		return models.List[notificationView]{}, err
	}
	out := models.List[notificationView]{Items: make([]notificationView, 0, len(list.Items)), Total: list.Total, Page: list.Page, PerPage: list.PerPage}
	lang := langOf(c)
	for _, n := range list.Items {
		out.Items = append(out.Items, s.notificationView(lang, n))
	}
	return out, nil
}

func (s *Server) apiNotifications(c *gin.Context) {
	list, err := s.notificationList(c)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

func (s *Server) apiReadNotification(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	n, err := s.store.MarkNotificationRead(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.notificationView(langOf(c), *n))
}

func (s *Server) apiReadAllNotifications(c *gin.Context) {
	if _, err := s.store.MarkAllNotificationsRead(c.Request.Context(), policy.ActorFrom(c)); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// notificationsPage is the list page's data.
type notificationsPage struct {
	List   models.List[notificationView]
	Unread string // the filter shown: "", "true" or "false"
	Base   string // the pager's query prefix
}

func (s *Server) pageNotifications(c *gin.Context) {
	list, err := s.notificationList(c)
	if err != nil {
		fail(c, err)
		return
	}
	d := notificationsPage{List: list, Unread: c.Query("unread"), Base: "/notifications?"}
	if d.Unread != "" {
		d.Base += "unread=" + d.Unread + "&"
	}
	s.html(c, http.StatusOK, "notifications", &page{Title: s.msgs.T(langOf(c), "notify.title"), Data: d})
}

func (s *Server) pageReadNotification(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	if _, err := s.store.MarkNotificationRead(c.Request.Context(), policy.ActorFrom(c), id); err != nil {
		fail(c, err)
		return
	}
	redirectDone(c, "/notifications", "notify.marked")
}

func (s *Server) pageReadAllNotifications(c *gin.Context) {
	if _, err := s.store.MarkAllNotificationsRead(c.Request.Context(), policy.ActorFrom(c)); err != nil {
		fail(c, err)
		return
	}
	redirectDone(c, "/notifications", "notify.all_marked")
}

// unreadCount is the bell's number on every page: one indexed COUNT for a
// signed-in reader, none for the public. A failure shows no number rather
// than failing the page.
func (s *Server) unreadCount(c *gin.Context, a *models.Actor) int64 {
	n, err := s.store.UnreadNotifications(c.Request.Context(), a)
	if err != nil {
		s.log.Warn("unread notifications", "err", err)
		return 0
	}
	return n
}
