<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AttractPage</name>
    <message>
        <source>Welcome</source>
        <translation>欢迎使用</translation>
    </message>
    <message>
        <source>Apply for government services here at any hour, without queuing</source>
        <translation>24小时自助办理政务服务，无需排队</translation>
    </message>
    <message>
        <source>Choose a service</source>
        <translation>选择事项</translation>
    </message>
    <message>
        <source>Place your ID card</source>
        <translation>放置身份证</translation>
    </message>
    <message>
        <source>Face check</source>
        <translation>人脸核验</translation>
    </message>
    <message>
        <source>Fill in and submit</source>
        <translation>填表提交</translation>
    </message>
    <message>
        <source>Touch to start</source>
        <translation>点击开始办理</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>暂停服务</translation>
    </message>
    <message>
        <source>Wheelchair: lower layout</source>
        <translation>轮椅用户：低位操作</translation>
    </message>
    <message>
        <source>Terminal %1</source>
        <translation>终端编号 %1</translation>
    </message>
</context>
<context>
    <name>ChooseServicePage</name>
    <message>
        <source>Choose a service</source>
        <translation>选择事项</translation>
    </message>
    <message>
        <source>Find it by department, by life event or by searching</source>
        <translation>可按部门、按“一件事”或直接搜索查找事项</translation>
    </message>
    <message>
        <source>Departments</source>
        <translation>按部门</translation>
    </message>
    <message>
        <source>Life events</source>
        <translation>一件事</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>‹ All life events</source>
        <translation>‹ 全部一件事</translation>
    </message>
    <message>
        <source>Service name, pinyin or initials, e.g. yyzz</source>
        <translation>输入事项名称、拼音或首字母，如 yyzz</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Type a service name in Chinese, in pinyin or by its initials: yyzz finds 营业执照, gjj finds 公积金.</source>
        <translation>可输入事项名称的汉字、全拼或拼音首字母：输入 yyzz 可找到“营业执照”，输入 gjj 可找到“公积金”。</translation>
    </message>
    <message>
        <source>No service matches “%1”. Try fewer words or the initials, or browse by department.</source>
        <translation>没有找到与“%1”相关的事项。请减少字数或改用拼音首字母，也可以按部门查找。</translation>
    </message>
    <message>
        <source>%1 services</source>
        <translation>%1 项事项</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
</context>
<context>
    <name>DonePage</name>
    <message>
        <source>Your 12345 work order has been registered</source>
        <translation>您的12345热线工单已登记</translation>
    </message>
    <message>
        <source>Your application has been submitted</source>
        <translation>您的申请已提交</translation>
    </message>
    <message>
        <source>Receipt number</source>
        <translation>受理编号</translation>
    </message>
    <message>
        <source>Work order number</source>
        <translation>工单编号</translation>
    </message>
    <message>
        <source>Handled within %1 working days, by %2</source>
        <translation>%1个工作日内办理，%2前答复</translation>
    </message>
    <message>
        <source>Expected to be completed by %1</source>
        <translation>预计办结日期：%1</translation>
    </message>
    <message>
        <source>Handled together: %1</source>
        <translation>同步办理：%1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>Scan to track your work order at any time</source>
        <translation>扫码随时查询工单办理进度</translation>
    </message>
    <message>
        <source>The result will be sent to you free of charge by courier.</source>
        <translation>办理结果将免费快递寄送给您。</translation>
    </message>
    <message>
        <source>Please take your receipt from the slot below.</source>
        <translation>请从下方出纸口取走回执单。</translation>
    </message>
    <message>
        <source>Remember to take your ID card with you.</source>
        <translation>请带好您的身份证。</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>FillFormPage</name>
    <message>
        <source>11-digit mobile number</source>
        <translation>11位手机号码</translation>
    </message>
    <message>
        <source>18 characters</source>
        <translation>18位</translation>
    </message>
    <message>
        <source>6 digits</source>
        <translation>6位数字</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>年-月-日，如 2024-01-31</translation>
    </message>
    <message>
        <source>As on the ID card</source>
        <translation>与身份证一致</translation>
    </message>
    <message>
        <source>Amount, e.g. 50</source>
        <translation>金额，如 50</translation>
    </message>
    <message>
        <source>Province</source>
        <translation>省份</translation>
    </message>
    <message>
        <source>City</source>
        <translation>城市</translation>
    </message>
    <message>
        <source>District / county</source>
        <translation>区/县</translation>
    </message>
    <message>
        <source>Please fill in the form. Fields marked * are required.</source>
        <translation>请填写以下信息，带 * 的为必填项。</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Next: check and submit</source>
        <translation>下一步：核对并提交</translation>
    </message>
    <message>
        <source>Choose: %1</source>
        <translation>请选择：%1</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>No. %1</source>
        <translation>第%1项</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>From your ID card</source>
        <translation>读取自身份证</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>+ Add a row</source>
        <translation>+ 添加一行</translation>
    </message>
</context>
<context>
    <name>Guidance</name>
    <message>
        <source>Welcome to the 24-hour self-service terminal</source>
        <translation>欢迎使用24小时自助服务终端</translation>
    </message>
    <message>
        <source>Choose a service</source>
        <translation>选择事项</translation>
    </message>
    <message>
        <source>Identity check</source>
        <translation>身份核验</translation>
    </message>
    <message>
        <source>Face check</source>
        <translation>人脸核验</translation>
    </message>
    <message>
        <source>Fill in the form</source>
        <translation>填写申请表</translation>
    </message>
    <message>
        <source>Check your application</source>
        <translation>请核对申请信息</translation>
    </message>
    <message>
        <source>Submitting your application</source>
        <translation>正在提交您的申请</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>正在打印</translation>
    </message>
    <message>
        <source>Rate this service</source>
        <translation>请对本次服务进行评价</translation>
    </message>
    <message>
        <source>Your application has been submitted</source>
        <translation>您的申请已提交</translation>
    </message>
    <message>
        <source>Touch the start button in the middle of the screen to begin. Large text, high contrast and the lower layout for wheelchair users are at the top of the screen.</source>
        <translation>请点击屏幕中间的开始按钮开始办理。大字版、高对比度和轮椅低位模式按钮在屏幕上方。</translation>
    </message>
    <message>
        <source>Choose a department, then touch the service you need. Touch Home at the top right to leave.</source>
        <translation>请先选择部门，再点击您要办理的事项。点击右上角的返回首页可以退出。</translation>
    </message>
    <message>
        <source>Place your resident ID card on the card reader below the screen and keep it there until it has been read.</source>
        <translation>请将居民身份证放在屏幕下方的读卡区，读取完成前请不要移开。</translation>
    </message>
    <message>
        <source>Look straight at the camera above the screen and keep still.</source>
        <translation>请正视屏幕上方的摄像头，保持不动。</translation>
    </message>
    <message>
        <source>Touch each field and type with the keyboard on the screen. Fields read from your ID card are already filled in. Touch Next when you are done.</source>
        <translation>请点击各个输入框，用屏幕上的键盘输入。从身份证读取的信息已自动填写。填写完成后请点击下一步。</translation>
    </message>
    <message>
        <source>Check what you entered and choose how to receive the result. Touch Submit to send the application, or Back to change it.</source>
        <translation>请核对填写的信息并选择领取方式。点击确认提交发送申请，或点击返回修改。</translation>
    </message>
    <message>
        <source>Please wait, this takes a few seconds.</source>
        <translation>请稍候，这需要几秒钟。</translation>
    </message>
    <message>
        <source>Please take your documents from the slot below when printing is finished.</source>
        <translation>打印完成后，请从下方出纸口取走您的材料。</translation>
    </message>
    <message>
        <source>Touch one of the ratings. Staff follow up on every bad rating.</source>
        <translation>请点击其中一个评价。工作人员会对每一条差评进行回访。</translation>
    </message>
    <message>
        <source>Please take your receipt and your ID card. Touch Finish when you are done.</source>
        <translation>请取走回执单和身份证。完成后请点击完成。</translation>
    </message>
</context>
<context>
    <name>IdentifyPage</name>
    <message>
        <source>Identity check</source>
        <translation>身份核验</translation>
    </message>
    <message>
        <source>Card reader</source>
        <translation>读卡区</translation>
    </message>
    <message>
        <source>Document number entered: %1</source>
        <translation>已输入的证件号码：%1</translation>
    </message>
    <message>
        <source>Your card data is used only for this application and is stored encrypted.</source>
        <translation>证件信息仅用于本次办理，并加密保存。</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Passport or HK/Macao permit</source>
        <translation>使用护照或港澳通行证</translation>
    </message>
    <message>
        <source>Use my ID card instead</source>
        <translation>改用身份证</translation>
    </message>
    <message>
        <source>Enter the details again</source>
        <translation>重新输入证件信息</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Government self-service terminal</source>
        <translation>政务服务自助终端</translation>
    </message>
    <message>
        <source>Lower layout for wheelchair users: everything you need is within reach below.</source>
        <translation>轮椅低位模式：所有操作都在下方您够得着的区域内。</translation>
    </message>
    <message>
        <source>24-hour self-service</source>
        <translation>24小时自助服务</translation>
    </message>
    <message>
        <source>Home</source>
        <translation>返回首页</translation>
    </message>
    <message>
        <source>Large text</source>
        <translation>大字版</translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation>高对比度</translation>
    </message>
    <message>
        <source>Wheelchair</source>
        <translation>轮椅低位</translation>
    </message>
    <message>
        <source>Stop reading</source>
        <translation>停止朗读</translation>
    </message>
    <message>
        <source>Read aloud</source>
        <translation>语音朗读</translation>
    </message>
    <message>
        <source>Quieter</source>
        <translation>减小音量</translation>
    </message>
    <message>
        <source>Volume %1</source>
        <translation>音量 %1</translation>
    </message>
    <message>
        <source>Louder</source>
        <translation>增大音量</translation>
    </message>
    <message>
        <source>For your privacy, the session will end in %1 seconds and your data will be cleared.</source>
        <translation>为保护您的隐私，本次办理将在 %1 秒后结束，您填写的信息将被清除。</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续办理</translation>
    </message>
</context>
<context>
    <name>MrzPanel</name>
    <message>
        <source>Document number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>Letters and digits, up to 9</source>
        <translation>字母和数字，最多9位</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>YYMMDD</source>
        <translation>年年月月日日</translation>
    </message>
    <message>
        <source>Expiry date</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>确定</translation>
    </message>
</context>
<context>
    <name>PrintingPage</name>
    <message>
        <source>Printing…</source>
        <translation>正在打印…</translation>
    </message>
    <message>
        <source>Printing: %1</source>
        <translation>正在打印：%1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>Please take your documents from the slot below when printing is finished.</source>
        <translation>打印完成后，请从下方出纸口取走材料。</translation>
    </message>
</context>
<context>
    <name>RatingPage</name>
    <message>
        <source>Very dissatisfied</source>
        <translation>非常不满意</translation>
    </message>
    <message>
        <source>Dissatisfied</source>
        <translation>不满意</translation>
    </message>
    <message>
        <source>Neutral</source>
        <translation>基本满意</translation>
    </message>
    <message>
        <source>Satisfied</source>
        <translation>满意</translation>
    </message>
    <message>
        <source>Very satisfied</source>
        <translation>非常满意</translation>
    </message>
    <message>
        <source>How satisfied are you with this service?</source>
        <translation>请对本次服务进行评价</translation>
    </message>
    <message>
        <source>Your rating helps us improve. Staff follow up on every bad rating.</source>
        <translation>您的评价将帮助我们改进服务，工作人员会对每一条差评进行回访。</translation>
    </message>
    <message>
        <source>We are sorry. What went wrong?</source>
        <translation>很抱歉，请告诉我们哪里不满意？</translation>
    </message>
    <message>
        <source>Choose one or more reasons. A staff member will follow up within %1 working days.</source>
        <translation>可选择一项或多项原因，工作人员将在%1个工作日内回访。</translation>
    </message>
    <message>
        <source>Anything else? (optional, up to %1 characters)</source>
        <translation>其他意见（选填，不超过%1个字）</translation>
    </message>
    <message>
        <source>Submit rating</source>
        <translation>提交评价</translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <source>Check your application</source>
        <translation>请核对申请信息</translation>
    </message>
    <message>
        <source>How do you want to receive the result?</source>
        <translation>请选择领取方式</translation>
    </message>
    <message>
        <source>Free courier to</source>
        <translation>免费快递寄送至</translation>
    </message>
    <message>
        <source>This terminal will print: %1</source>
        <translation>本机将打印：%1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>返回修改</translation>
    </message>
    <message>
        <source>Submit application</source>
        <translation>确认提交</translation>
    </message>
</context>
<context>
    <name>SubmittingPage</name>
    <message>
        <source>Submitting your application…</source>
        <translation>正在提交申请…</translation>
    </message>
    <message>
        <source>Please wait, this takes a few seconds.</source>
        <translation>请稍候，这需要几秒钟。</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <source>Please place your resident ID card on the card reader below</source>
        <translation>请将居民身份证放在下方读卡区</translation>
    </message>
    <message>
        <source>Reading your ID card. Please do not move it…</source>
        <translation>正在读取身份证，请勿移动…</translation>
    </message>
    <message>
        <source>The card could not be read. Please place it on the reader again.</source>
        <translation>未能读取证件，请重新放置身份证。</translation>
    </message>
    <message>
        <source>This card could not be verified. Please use a valid resident ID card.</source>
        <translation>证件信息校验未通过，请使用有效的居民身份证。</translation>
    </message>
    <message>
        <source>This type of card is not accepted here. Please go to a service desk.</source>
        <translation>本机暂不支持此类证件，请到服务窗口办理。</translation>
    </message>
    <message>
        <source>The ID card reader is out of service. Please go to a service desk.</source>
        <translation>读卡器暂不可用，请到服务窗口办理。</translation>
    </message>
    <message>
        <source>The document could not be opened. Please check the document number and dates you entered.</source>
        <translation>无法读取证件，请核对您输入的证件号码和日期。</translation>
    </message>
    <message>
        <source>This is a travel document. Please enter the details from its photo page first.</source>
        <translation>这是一本出入境证件，请先输入其个人资料页上的证件信息。</translation>
    </message>
    <message>
        <source>Enter the document number, date of birth and expiry date exactly as printed on your passport or permit</source>
        <translation>请按护照或通行证上的印刷内容，输入证件号码、出生日期和有效期</translation>
    </message>
    <message>
        <source>Please place your passport or permit, photo page down, on the card reader below</source>
        <translation>请将护照或通行证翻开至个人资料页，资料页朝下放在下方读卡器上</translation>
    </message>
    <message>
        <source>Please look straight at the camera and keep still</source>
        <translation>请正视摄像头，保持不动</translation>
    </message>
    <message>
        <source>Your face was not recognised. Please look straight at the camera and try again.</source>
        <translation>未能识别，请正视摄像头后重试。</translation>
    </message>
    <message>
        <source>Face verification failed. Please go to a service desk for help.</source>
        <translation>人脸核验未通过，请到服务窗口咨询。</translation>
    </message>
    <message>
        <source>Please correct the fields marked in red</source>
        <translation>请修改标红的内容</translation>
    </message>
    <message>
        <source>Your application was received, but the receipt could not be printed. Please show the receipt number below at a service desk.</source>
        <translation>申请已受理，但回执单未能打印。请记下以下受理编号，到服务窗口咨询。</translation>
    </message>
    <message>
        <source>Your session ended because there was no activity. Your data has been cleared.</source>
        <translation>因长时间无操作，本次办理已结束，您的信息已清除。</translation>
    </message>
    <message>
        <source>Your session is about to end</source>
        <translation>本次办理即将结束</translation>
    </message>
    <message>
        <source>Your application could not be saved. Please try again or go to a service desk.</source>
        <translation>申请未能保存，请重试或到服务窗口咨询。</translation>
    </message>
    <message>
        <source>This terminal cannot accept applications right now. Please use another terminal.</source>
        <translation>本机暂时无法受理申请，请使用其他终端。</translation>
    </message>
    <message>
        <source>This terminal is temporarily out of service</source>
        <translation>本机暂停服务</translation>
    </message>
    <message>
        <source>This service is not available</source>
        <translation>该事项暂不可办理</translation>
    </message>
    <message>
        <source>ID card reader out of service</source>
        <translation>读卡器故障，暂不可办理</translation>
    </message>
    <message>
        <source>Camera out of service</source>
        <translation>摄像头故障，暂不可办理</translation>
    </message>
    <message>
        <source>Receipt printer out of service</source>
        <translation>回执打印机故障，暂不可办理</translation>
    </message>
    <message>
        <source>Document printer out of service</source>
        <translation>证照打印机故障，暂不可办理</translation>
    </message>
    <message>
        <source>Needs the network, which is down</source>
        <translation>需联网办理，当前网络中断</translation>
    </message>
    <message>
        <source>Outside opening hours</source>
        <translation>不在办理时间内</translation>
    </message>
    <message>
        <source>This field is required</source>
        <translation>此项为必填项</translation>
    </message>
    <message>
        <source>Please choose one of the options</source>
        <translation>请选择其中一项</translation>
    </message>
    <message>
        <source>Enter the name as printed on the ID card</source>
        <translation>请填写与身份证一致的姓名</translation>
    </message>
    <message>
        <source>Enter an 11-digit mobile number</source>
        <translation>请输入11位手机号码</translation>
    </message>
    <message>
        <source>Enter an 18-character ID card number</source>
        <translation>请输入18位身份证号码</translation>
    </message>
    <message>
        <source>The last character of the ID number does not match; please check it</source>
        <translation>身份证号码校验位有误，请核对</translation>
    </message>
    <message>
        <source>The ID number contains an impossible date of birth</source>
        <translation>身份证号码中的出生日期无效</translation>
    </message>
    <message>
        <source>Enter the 18-character unified social credit code</source>
        <translation>请输入18位统一社会信用代码</translation>
    </message>
    <message>
        <source>The check character of the credit code does not match; please check it</source>
        <translation>统一社会信用代码校验位有误，请核对</translation>
    </message>
    <message>
        <source>Enter a 6-digit postal code</source>
        <translation>请输入6位邮政编码</translation>
    </message>
    <message>
        <source>Enter a number</source>
        <translation>请输入数字</translation>
    </message>
    <message>
        <source>Enter a date as YYYY-MM-DD</source>
        <translation>请按“年-月-日”格式填写，如 2024-01-31</translation>
    </message>
    <message>
        <source>Up to 9 letters and digits, as printed on the document</source>
        <translation>最多9位字母和数字，请与证件上印刷的一致</translation>
    </message>
    <message>
        <source>Enter 6 digits: year, month, day (e.g. 850321)</source>
        <translation>请输入6位数字：年、月、日（例如850321）</translation>
    </message>
    <message>
        <source>Enter an amount, e.g. 50 or 12.5</source>
        <translation>请输入金额，如 50 或 12.5</translation>
    </message>
    <message>
        <source>Please complete or remove the rows marked in red</source>
        <translation>请补全或删除标红的行</translation>
    </message>
    <message>
        <source>You have chosen too many; please remove some</source>
        <translation>选择过多，请取消部分选项</translation>
    </message>
    <message>
        <source>The shareholders&apos; contributions must add up to the registered capital</source>
        <translation>各股东出资额之和应等于注册资本</translation>
    </message>
    <message>
        <source>Choose the province, city and district again</source>
        <translation>请重新选择省、市、区</translation>
    </message>
    <message>
        <source>Enter the street, building and room number</source>
        <translation>请填写街道、楼栋和门牌号</translation>
    </message>
    <message>
        <source>For free courier delivery, please give the recipient and the address</source>
        <translation>选择免费快递，请填写收件人和收件地址</translation>
    </message>
    <message>
        <source>Please choose at least one reason</source>
        <translation>请至少选择一项原因</translation>
    </message>
    <message>
        <source>Looking up your records online…</source>
        <translation>正在在线查询，请稍候…</translation>
    </message>
    <message>
        <source>No enterprise lists you as its legal representative. Please go to a service desk.</source>
        <translation>未查询到您担任法定代表人的企业，请到服务窗口咨询。</translation>
    </message>
    <message>
        <source>No electronic certificates were found for you.</source>
        <translation>未查询到您名下的电子证照。</translation>
    </message>
    <message>
        <source>The online system did not answer. Please try again later or go to a service desk.</source>
        <translation>在线系统暂无响应，请稍后再试或到服务窗口办理。</translation>
    </message>
    <message>
        <source>Please check this entry</source>
        <translation>请核对此项</translation>
    </message>
    <message>
        <source>Temporarily unavailable</source>
        <translation>暂不可办理</translation>
    </message>
    <message>
        <source>Something went wrong. Please go to a service desk for help.</source>
        <translation>出现问题，请到服务窗口咨询。</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>回执单</translation>
    </message>
    <message>
        <source>Printed document (A4)</source>
        <translation>证照/证明（A4）</translation>
    </message>
    <message>
        <source>Collect at the service centre</source>
        <translation>到服务中心窗口领取</translation>
    </message>
    <message>
        <source>Send by post</source>
        <translation>邮寄送达</translation>
    </message>
    <message>
        <source>ID card + face check</source>
        <translation>身份证＋人脸核验</translation>
    </message>
    <message>
        <source>ID card</source>
        <translation>身份证</translation>
    </message>
    <message>
        <source>No ID needed</source>
        <translation>无需证件</translation>
    </message>
</context>
<context>
    <name>VerifyFacePage</name>
    <message>
        <source>Look into the camera</source>
        <translation>请看向摄像头</translation>
    </message>
    <message>
        <source>Only one person in front of the camera, please</source>
        <translation>请保持镜头前只有一人</translation>
    </message>
    <message>
        <source>Move closer</source>
        <translation>请靠近一些</translation>
    </message>
    <message>
        <source>It is too dark: step into the light</source>
        <translation>光线太暗，请站到亮处</translation>
    </message>
    <message>
        <source>Hold still</source>
        <translation>请保持不动</translation>
    </message>
    <message>
        <source>Turn your head to the left</source>
        <translation>请向左转头</translation>
    </message>
    <message>
        <source>Turn your head to the right</source>
        <translation>请向右转头</translation>
    </message>
    <message>
        <source>Now look straight at the camera</source>
        <translation>请正视摄像头</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在核验…</translation>
    </message>
    <message>
        <source>Face check</source>
        <translation>人脸核验</translation>
    </message>
    <message>
        <source>Attempts left: %1</source>
        <translation>剩余次数：%1</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
</context>
</TS>
