package dataset

import (
	"fmt"
	"math/rand/v2"
)

var surnames = []rune("韦黄李陈莫覃蒙梁刘蓝罗农廖卢潘吴周邓杨谭唐张林王何冯")
var givenChars = []rune("丽明芳华敏静婷强军玲燕霞红梅海波杰勇秀英桂兰小雪晓峰春萍建平文娟")

func personName(r *rand.Rand) string {
	n := string(surnames[r.IntN(len(surnames))]) + string(givenChars[r.IntN(len(givenChars))])
	if r.IntN(3) > 0 {
		n += string(givenChars[r.IntN(len(givenChars))])
	}
	return n
}

var orgWords = []string{"阳光", "童心", "春芽", "启航", "同心", "馨语", "暖阳", "新苗", "彩虹", "明德", "益民", "仁爱", "晨曦", "壮乡", "山花", "榕树", "青禾", "百合", "善行", "和美"}
var orgKinds = []string{"社会工作服务中心", "社会工作服务社", "社工服务中心", "儿童关爱服务中心", "社会工作发展中心"}

func orgName(r *rand.Rand, place string, n int) string {
	return fmt.Sprintf("%s%s%s", place, orgWords[(n+r.IntN(3))%len(orgWords)], orgKinds[r.IntN(len(orgKinds))])
}

func phone(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return fmt.Sprintf("0771-%07d", 2000000+r.IntN(7000000))
	}
	return fmt.Sprintf("139%08d", r.IntN(100000000))
}

var enquiryQuestions = []string{
	"服务对象是否包括事实无人抚养儿童？",
	"持证社工是否须为本机构在职人员？",
	"服务场所可否使用村（社区）儿童之家？",
	"志愿者服务时数是否计入服务指标？",
}
var enquiryAnswers = []string{
	"包括。事实无人抚养儿童按困境儿童纳入服务对象。",
	"须为本机构在职并缴纳社保的人员。",
	"可以，须在服务方案中写明场所与开放时间。",
	"志愿者服务时数单独统计，不计入专业服务时数。",
}
var narratives = []string{
	"本期开展入户走访与个案跟进，组织儿童之家小组活动，联动村儿童主任完成信息台账更新。",
	"本期完成困境儿童需求评估，链接救助资源，开展监护人家庭教育指导与安全教育活动。",
	"本期组织志愿者开展课业辅导和心理陪伴，召开个案会议，跟进重点个案。",
	"本期开展防溺水与防欺凌宣传，完成儿童主任业务培训，整理服务档案。",
}
