package creator

import "testing"

func TestDetectLanguage(t *testing.T) {
	tests := []struct{ want, text string }{
		{"en", "Morning run done! It was so cold today but I love this time of the year. Link in bio for my plan"},
		{"de", "Heute war ich mit meinem Hund im Park und es war einfach toll. Was macht ihr am Wochenende?"},
		{"es", "Hoy os enseño mi rutina de noche, que es muy sencilla y me encanta. ¿Cuál es la vuestra?"},
		{"fr", "Aujourd'hui je vous montre ma routine du matin, c'est très simple et je l'adore"},
		{"it", "Oggi vi porto con me a Roma, una giornata bellissima con le mie amiche"},
		{"pt", "Hoje fui ao parque com o meu cão e foi ótimo, não via a hora de voltar"},
		{"nl", "Vandaag ging ik met mijn hond naar het strand en het was echt heel leuk"},
		{"pl", "Dzisiaj byłem w parku z moim psem i było bardzo fajnie, jak wam minął dzień?"},
		{"sv", "Idag var jag i parken med min hund och det var jättebra, tack för alla fina kommentarer"},
		{"tr", "Bugün köpeğimle parka gittim ve çok güzeldi, sizin gününüz nasıl geçti?"},
		{"id", "Hari ini aku pergi ke taman dengan anjingku dan seru banget, kalian lagi apa?"},
		{"ja", "今日は犬と公園に行きました。とても楽しかったです！"},
		{"ko", "오늘은 강아지와 공원에 갔어요. 정말 즐거웠어요"},
		{"zh", "今天我和我的狗去了公园，非常开心"},
		{"ru", "Сегодня я гулял в парке с собакой, было очень здорово"},
		{"uk", "Сьогодні я гуляв у парку з собакою, було дуже гарно і тепло"},
		{"ar", "ذهبت اليوم إلى الحديقة مع كلبي وكان يوما رائعا"},
		{"el", "Σήμερα πήγα στο πάρκο με τον σκύλο μου"},
	}
	for _, tt := range tests {
		ev := DetectLanguage(tt.text)
		if ev.Code != tt.want {
			t.Errorf("DetectLanguage(%q) = %q (%+v), want %q", tt.text, ev.Code, ev.Scores, tt.want)
		}
		if ev.Confidence <= 0 || ev.Confidence > 1 {
			t.Errorf("%s: confidence %v", tt.want, ev.Confidence)
		}
	}
	// Hashtags, mentions and links are not language.
	if ev := DetectLanguage("#love #instagood @brand https://example.com"); ev.Code != "" {
		t.Errorf("tags only detected %q, want unknown", ev.Code)
	}
	if ev := DetectLanguage("", "   "); ev.Code != "" || ev.Texts != 0 {
		t.Errorf("empty detected %+v", ev)
	}
	// Bio and captions together.
	ev := DetectLanguage("Mama von zwei Kindern 🌿", "Unser Sonntag im Garten", "Neue Rezepte jeden Freitag auf dem Blog")
	if ev.Code != "de" || len(ev.Words) == 0 || ev.Texts != 3 {
		t.Errorf("combined texts: %+v", ev)
	}
}
